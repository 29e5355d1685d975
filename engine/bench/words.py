"""The sensitive-word check's cost per message (``hisms bench words``).

A list of generated words (2 to 4 CJK characters, with some allowed terms) is compiled once;
then every message of a set of realistic hospital texts is checked, as the engine does for
each claimed row (:meth:`WordFilter.hits`). No database: the figure is the check alone, the
issue's target being under 20 us per message with 10,000 words.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from typing import Any

from hisms.engine.policy.words import WordFilter

SEED = 16  # the same words and messages every run
# The common CJK block: what the regulator's lists are written in.
CJK = (0x4E00, 0x9FA5)
TEXTS = (
    "【{h}】{n}您好，您预约的{d}门诊在{t}，请携带医保卡提前20分钟到{d}候诊。",
    "【{h}】{n}您好，您的检验报告已出，可在自助机或微信公众号查看，如有疑问请咨询{d}。",
    "【{h}】危急值：{n}，血钾6.8mmol/L，请{d}值班医生立即处理，回复1确认。",
    "【{h}】{n}您好，您已办理住院，床位{d}12床，请于{t}前到护士站报到，退订回TD。",
)
NAMES = ("张三", "李四", "王小明", "赵丽", "陈建国")
DEPTS = ("心内科", "消化内科", "儿科", "检验科", "呼吸内科")
TIMES = ("明天上午9:30", "12月3日14:00", "周五下午")


def words(count: int, seed: int = SEED) -> list[str]:
    """``count`` distinct generated words."""
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        found.add("".join(chr(rng.randint(*CJK)) for _ in range(rng.randint(2, 4))))
    return sorted(found)


def messages(count: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(TEXTS).format(
            h="测试医院", n=rng.choice(NAMES), d=rng.choice(DEPTS), t=rng.choice(TIMES)
        )
        for _ in range(count)
    ]


def run(word_count: int, message_count: int, rounds: int) -> dict[str, Any]:
    listed = words(word_count)
    started = time.perf_counter()
    check = WordFilter(listed, ["大麻风", "乳交费"])
    build = time.perf_counter() - started
    texts = messages(message_count)
    clean = [t for t in texts if not check.hits(t)]
    hit = [f"{t}{listed[i % len(listed)]}" for i, t in enumerate(texts)]
    # the word written with a space between its characters, as a sender hiding it would
    spaced = [f"{t}{' '.join(listed[i % len(listed)])}" for i, t in enumerate(texts)]
    costs = {name: _per_message(check, given, rounds) for name, given in
             (("", clean), ("_with_a_hit", hit), ("_with_a_spaced_hit", spaced))}  # fmt: skip
    return {
        "benchmark": "words",
        "words": word_count,
        "messages": message_count,
        "rounds": rounds,
        "clean_messages": len(clean),
        "build_seconds": round(build, 3),
        **{f"us_per_message{name}": wall for name, (wall, _) in costs.items()},
        # the same passes in this thread's CPU time: what the check costs when other work
        # shares the cores (the wall-clock figure then counts their time slices too)
        **{f"cpu_us_per_message{name}": cpu for name, (_, cpu) in costs.items()},
        "mean_chars": round(statistics.fmean(len(t) for t in texts), 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _per_message(check: WordFilter, texts: list[str], rounds: int) -> tuple[float, float]:
    """The best round's mean in wall-clock and in CPU time, microseconds per message (the
    best: the least disturbed by other processes on the machine)."""
    wall = cpu = float("inf")
    for _ in range(rounds):
        started, cpu_started = time.perf_counter(), time.thread_time()
        for text in texts:
            check.hits(text)
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.thread_time() - cpu_started)
    n = max(len(texts), 1)
    return round(wall / n * 1e6, 2), round(cpu / n * 1e6, 2)
