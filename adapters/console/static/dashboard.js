// The last hour's chart: the console's samples (/dashboard/series) drawn with uPlot.
(function () {
  const box = document.getElementById("chart");
  if (!box) return;
  const clock = (t) => new Date(t * 1000).toLocaleTimeString("zh-CN", {hour: "2-digit", minute: "2-digit", hour12: false});
  const opts = {
    width: box.clientWidth, height: 220,
    series: [
      {label: "时间", value: (u, t) => t == null ? "-" : clock(t)},
      {label: "发送速率 (条/秒)", stroke: "#1f6fb2", width: 2, scale: "rate"},
      {label: "成功率 (%)", stroke: "#2e8b57", width: 2, scale: "pct"},
      {label: "积压 (条)", stroke: "#c0392b", width: 1, scale: "rows"},
    ],
    // The hour as a clock reads it (14:05), in the browser's zone: the hospital's.
    axes: [
      {values: (u, ticks) => ticks.map(clock), incrs: [60, 120, 300, 600, 900, 1800, 3600], space: 60},
      {scale: "rate"},
      {scale: "pct", side: 1, grid: {show: false}},
    ],
    scales: {pct: {range: [0, 100]}},
  };
  let plot = null;
  async function draw() {
    const answer = await fetch(box.dataset.src, {credentials: "same-origin"});
    if (!answer.ok) return;
    const data = await answer.json();
    if (plot === null) plot = new uPlot(opts, data, box); else plot.setData(data);
  }
  draw();
  setInterval(draw, 1000 * Number(box.dataset.every || 5));
  window.addEventListener("resize", () => plot && plot.setSize({width: box.clientWidth, height: 220}));
})();
