"""Risk detector: assess() latency and recall / false escalations on the editors' cases.

    .venv/bin/python benchmarks/bench_risk.py [--content content] [--rounds 20]

Recall: must_trigger cases with level high that come out high. False escalations:
must_not_trigger cases that come out high (the hotline is offered). Both per language and
over all three. The cases are the editors' own, so these are not held-out figures.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from nlu.risk.check import all_cases, run_case
from nlu.risk.detector import RiskDetector
from nlu.risk.model import RiskContext, RiskLevel
from shared.stats import percentile


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--content", type=Path, default=Path("content"))
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()

    started = time.perf_counter()
    detector = RiskDetector.load(args.content)
    load_ms = (time.perf_counter() - started) * 1000
    cases, problems = all_cases(args.content)
    for p in [*detector.problems, *problems]:
        print(p)

    # Wall time includes waiting for the CPU on a busy machine; thread CPU time does not.
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(args.rounds):
        for case in cases:
            ctx = RiskContext(previous=case.context) if case.context else None
            t0, c0 = time.perf_counter(), time.thread_time()
            detector.assess(case.text, case.lang, context=ctx)
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
    long_text = "хозяин забрал паспорт, " * 400  # ~9,000 characters, cut to the limit
    t0 = time.perf_counter()
    detector.assess(long_text, "ru")
    long_ms = (time.perf_counter() - t0) * 1000

    high: Counter[str] = Counter()
    high_hit: Counter[str] = Counter()
    none_: Counter[str] = Counter()
    false_esc: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    failures: list[str] = []
    for case in cases:
        got, wrong = run_case(detector, case)
        passed[case.lang] += wrong is None
        if wrong:
            failures.append(f"{case.path}:{case.line}: {wrong}")
        if case.level is RiskLevel.HIGH:
            high[case.lang] += 1
            high_hit[case.lang] += got.level is RiskLevel.HIGH
        elif case.kind == "must_not_trigger":
            none_[case.lang] += 1
            false_esc[case.lang] += got.level is RiskLevel.HIGH

    print(f"rules: {len(detector.rules)} in {len(detector.rulesets)} files, loaded in {load_ms:.0f} ms")
    print(f"assess latency over {len(wall)} calls: wall p50 {percentile(wall, 50):.3f} ms, "
          f"p99 {percentile(wall, 99):.3f} ms; CPU p50 {percentile(cpu, 50):.3f} ms, p99 {percentile(cpu, 99):.3f} ms")
    print(f"a {len(long_text):,}-character message: {long_ms:.2f} ms")
    for lang in sorted({c.lang for c in cases}):
        n = sum(1 for c in cases if c.lang == lang)
        print(f"{lang}: cases passed {passed[lang]}/{n}; high-risk recall "
              f"{_rate(high_hit[lang], high[lang])}; false escalations "
              f"{_rate(false_esc[lang], none_[lang])}")
    print(f"all: high-risk recall {_rate(sum(high_hit.values()), sum(high.values()))}; "
          f"false escalations {_rate(sum(false_esc.values()), sum(none_.values()))}")
    for line in failures:
        print(line)


def _rate(hit: int, total: int) -> str:
    return f"{hit / total:.3f} ({hit}/{total})" if total else "n/a"


if __name__ == "__main__":
    main()
