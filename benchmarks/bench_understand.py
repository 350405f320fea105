"""Parse plus risk, as the bot does for every message: prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_understand.py [--messages 3000]

Loads the embedded NLU and the risk detector with the situation model (from the cache, or
trained first: that time is printed apart), then understands messages one at a time: an everyday
mix (nine in ten from the topic data, one in ten from the situation corpus: danger, look-alikes,
long stories), then danger reports only (which also get the evidence words). Prints p50/p99 of
the wall and CPU time of language id + topic ranking + risk, and the peak RSS of the process.
Target (issue 9): p99 <= 2 ms, memory <= 300 MB.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlu.config import NLUSettings  # noqa: E402
from nlu.embedded import load_or_train  # noqa: E402
from nlu.risk.detector import RiskDetector  # noqa: E402
from nlu.risk.situation_model import load_or_train as load_situations  # noqa: E402
from nlu.risk.situations import situation_examples  # noqa: E402
from nlu.service import EmbeddedNLU  # noqa: E402
from shared.stats import percentiles  # noqa: E402


def quantiles(samples: list[float]) -> str:
    p50, p99 = percentiles(samples, [50, 99]) or [0.0, 0.0]
    return f"p50 {p50:.3f} ms, p99 {p99:.3f} ms (n={len(samples)})"


def _time(nlu: EmbeddedNLU, detector: RiskDetector, texts: list[str]) -> tuple[list[float], list[float]]:
    wall: list[float] = []
    cpu: list[float] = []
    for text in texts:
        w0, c0 = time.perf_counter(), time.thread_time()
        parse = nlu.parse_sync(text)
        detector.assess(text, parse.lang, ranking=parse.ranking)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--messages", type=int, default=3000)
    args = ap.parse_args()
    settings = NLUSettings()
    t0 = time.perf_counter()
    nlu = EmbeddedNLU(load_or_train(ROOT / settings.data_dir, ROOT / settings.cache_dir))
    situations = load_situations(ROOT / settings.situations_dir, ROOT / settings.data_dir,
                                 ROOT / settings.cache_dir)
    detector = RiskDetector.load(ROOT / "content", situations=situations)
    print(f"loaded (or trained) in {time.perf_counter() - t0:.1f} s; situation model: "
          f"{'yes' if situations else 'none'}")
    if situations is not None:
        th = situations.thresholds
        print(f"situation model: {situations.examples} examples, alarm at {th.high:.3f} "
              f"(held-out recall {th.recall:.3f}, false alarms {th.false_alarms:.3f}), check from "
              f"{th.elevated:.3f}")
    items = situation_examples(ROOT / settings.situations_dir, ROOT / settings.data_dir)
    rng = random.Random(7)
    # What people send: mostly questions (the topic data), one message in ten from the
    # situation corpus (danger and its look-alikes, often long stories).
    questions = [s for s in items if s.source == "topics"]
    corpus = [s for s in items if s.source == "situations"]
    everyday = [rng.choice(corpus) if rng.random() < 0.1 else rng.choice(questions) for _ in range(args.messages)]
    danger = [s for s in corpus if s.danger]
    dangers = [rng.choice(danger) for _ in range(max(1000, args.messages // 3))]
    for name, picked in (("everyday mix", everyday), ("danger reports only", dangers)):
        wall, cpu = _time(nlu, detector, [s.text for s in picked])
        print(f"{name}: parse + risk wall {quantiles(wall)}; CPU {quantiles(cpu)}")
    long_text = "Ака, мы на стройке в Подмосковье, работаем с утра до ночи. " * 80
    w0 = time.perf_counter()
    detector.assess(long_text, "ru", ranking=nlu.parse_sync(long_text).ranking)
    print(f"a {len(long_text):,}-character story: {(time.perf_counter() - w0) * 1000:.2f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB (target <= 300 MB)")


if __name__ == "__main__":
    main()
