// The dashboard's charts, drawn with uPlot: the last hour from the console's samples
// (/dashboard/series) and the last 24 hours from the engines' rollup (/dashboard/day).
// Times read as a clock (14:05, 24-hour) in the hospital's zone (data-zone).
(function () {
  function clockOf(box) {
    const format = new Intl.DateTimeFormat("zh-CN", {hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: box.dataset.zone || undefined});
    return (t) => format.format(new Date(t * 1000));
  }

  // A chart of box.dataset.src, fetched again every data-every seconds, or (without it)
  // once, then grown by append(): 2,500 open dashboards ask for the hour only when they load.
  function chart(box, height, opts) {
    let plot = null;
    let data = null;
    function show() {
      if (plot === null) plot = new uPlot({width: box.clientWidth, height: height, ...opts}, data, box); else plot.setData(data);
      box.dataset.drawn = String(data[0].length);  // what was drawn, for the browser tests
      box.dataset.totals = data.slice(1).map((s) => s.reduce((a, v) => a + (v || 0), 0)).join(",");
    }
    async function draw() {
      const answer = await fetch(box.dataset.src, {credentials: "same-origin"});
      if (!answer.ok) return;
      data = await answer.json();
      show();
    }
    draw();
    if (box.dataset.every) setInterval(draw, 1000 * Number(box.dataset.every));
    window.addEventListener("resize", () => plot && plot.setSize({width: box.clientWidth, height: height}));
    return {
      append(point, keep) {  // one newer sample; the last `keep` seconds stay
        if (data === null || (data[0].length && point[0] <= data[0][data[0].length - 1])) return;
        const all = data.map((column, i) => column.concat([point[i]]));
        const first = all[0].findIndex((t) => t >= point[0] - keep);
        data = all.map((column) => column.slice(first));
        show();
      },
    };
  }

  const hour = document.getElementById("chart");
  if (hour) {
    const clock = clockOf(hour);
    const hourly = chart(hour, 220, {
      series: [
        {label: "时间", value: (u, t) => t == null ? "-" : clock(t)},
        {label: "发送速率 (条/秒)", stroke: "#1f6fb2", width: 2, scale: "rate"},
        {label: "成功率 (%)", stroke: "#2e8b57", width: 2, scale: "pct"},
        {label: "积压 (条)", stroke: "#c0392b", width: 1, scale: "rows"},
      ],
      axes: [
        {values: (u, ticks) => ticks.map(clock), incrs: [60, 120, 300, 600, 900, 1800, 3600], space: 60},
        {scale: "rate"},
        {scale: "pct", side: 1, grid: {show: false}},
      ],
      scales: {pct: {range: [0, 100]}},
    });
    // Each refresh of the live part carries the newest sample (#chart-point).
    document.body.addEventListener("htmx:afterSwap", (event) => {
      const mark = document.getElementById("chart-point");
      if (event.detail.target && event.detail.target.id === "live" && mark && mark.dataset.point) {
        hourly.append(JSON.parse(mark.dataset.point), 3600);
      }
    });
  }

  const day = document.getElementById("day-chart");
  if (day) {
    const clock = clockOf(day);
    // One bar per hour, under its start (14:00: created from 14:00 to 15:00); the three
    // kinds nested, widest first, so that a small count stays visible in a big one.
    const kind = (label, color, size) => ({
      label: label, stroke: color, fill: color, width: 0, points: {show: false},
      paths: uPlot.paths.bars({size: [size, 40]}),
      value: (u, v) => v == null ? "-" : v + " 条",
    });
    chart(day, 220, {
      series: [
        {label: "时段", value: (u, t) => t == null ? "-" : clock(t) + " 起一小时"},
        kind("已送达", "#7cc496", 0.8),
        kind("失败", "#d9534f", 0.5),
        kind("其他终态", "#8c8c8c", 0.25),
      ],
      axes: [
        {values: (u, ticks) => ticks.map(clock), incrs: [3600, 7200, 10800, 21600], space: 50},
        {label: "条", size: 50},
      ],
      scales: {x: {time: true, range: (u, min, max) => [min - 1800, max + 1800]}, y: {range: (u, min, max) => [0, Math.max(max, 5)]}},
    });
  }
})();
