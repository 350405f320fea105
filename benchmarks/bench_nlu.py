"""Benchmark of the understanding layer: prints figures, asserts nothing about time.

    .venv/bin/python benchmarks/bench_nlu.py [--parses 3000] [--no-cv] [--rasa-cv]

Embedded backend: training time (fresh, in a child process, as a first start would), parse
latency p50/p99 (language detection + ranking, no hint), the peak RSS of this process with
the model loaded from the cache (what the bot process holds), and the cross-validated
accuracy / macro-F1 per language on the fixed folds of `hamroh nlu test`.
Rasa backend (when .venv-rasa and a trained model exist): starts `rasa run` on a free port,
measures the parse latency through the bot's adapter and the server's peak RSS; its
cross-validation comes from reports/nlu-rasa.json (same folds) or, with --rasa-cv, is run now
(about an hour on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import free_port  # noqa: E402
from nlu.config import NLUSettings  # noqa: E402
from nlu.embedded import load_or_train, train  # noqa: E402
from nlu.evaluate import EvalReport, embedded_predictor, evaluate, rasa_predictor  # noqa: E402
from nlu.rasa_backend import RasaNLU  # noqa: E402
from nlu.rasa_tools import latest_model, rasa_executable, serve_command  # noqa: E402
from nlu.service import EmbeddedNLU  # noqa: E402
from nlu.training_data import load_training_data  # noqa: E402
from shared.stats import percentiles  # noqa: E402

DATA = ROOT / "nlu" / "data"


def _train_in_child(queue: multiprocessing.Queue[float]) -> None:
    start = time.perf_counter()
    train(load_training_data(DATA).examples)
    queue.put(time.perf_counter() - start)


def fresh_training_seconds() -> float:
    queue: multiprocessing.Queue[float] = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_train_in_child, args=(queue,))
    proc.start()
    seconds = queue.get()
    proc.join()
    return seconds


def latency_line(samples_ms: list[float]) -> str:
    p50, p99, top = percentiles(samples_ms, [50, 99, 100]) or [0.0, 0.0, 0.0]
    return f"p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {top:.2f} ms"


def texts_for_parsing(n: int) -> list[str]:
    examples = [e.text for e in load_training_data(DATA).examples]
    # Variants unseen in training: the examples upper-cased, with typos-by-deletion and noise.
    out: list[str] = []
    i = 0
    while len(out) < n:
        text = examples[(i * 7919) % len(examples)]
        variant = i % 3
        if variant == 1:
            text = text.upper() + "!!"
        elif variant == 2 and len(text) > 6:
            text = text[:3] + text[4:] + " ?"
        out.append(text)
        i += 1
    return out


async def time_parses(nlu: EmbeddedNLU | RasaNLU, texts: list[str]) -> list[float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        await nlu.parse(text)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def print_cv(report: EvalReport) -> None:
    for rep in report.languages.values():
        print(f"    {rep.lang}: accuracy {rep.accuracy:.3f}  macro-F1 {rep.macro_f1:.3f}  (n={rep.examples})")


def bench_embedded(parses: int, cv: bool) -> None:
    print("== embedded (scikit-learn, in process)")
    print(f"  training from scratch: {fresh_training_seconds():.1f} s")
    settings = NLUSettings(data_dir=DATA, cache_dir=ROOT / ".cache" / "nlu")
    model = load_or_train(settings.data_dir, settings.cache_dir)  # from the cache when current
    nlu = EmbeddedNLU(model)
    texts = texts_for_parsing(parses)
    asyncio.run(time_parses(nlu, texts[:200]))  # warm-up
    samples = asyncio.run(time_parses(nlu, texts))
    print(f"  parse latency over {len(samples)} parses: {latency_line(samples)}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process with the model loaded: {peak_mb:.0f} MB")
    if cv:
        report = evaluate(load_training_data(DATA).examples, embedded_predictor, "embedded")
        print(f"  5-fold CV (seed {report.seed}), {report.train_seconds_per_fold:.1f} s training per fold:")
        print_cv(report)





def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_rasa(parses: int, run_cv: bool) -> None:
    print("== rasa 3.6 (separate server, .venv-rasa)")
    model = latest_model(ROOT)
    if rasa_executable(ROOT) is None or model is None:
        print("  skipped: no .venv-rasa or no trained model (nlu/rasa/setup.sh)")
        return
    port = free_port()
    proc = subprocess.Popen(
        serve_command(port, model, ROOT), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        start = time.perf_counter()
        while time.perf_counter() - start < 300:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1).read()
                break
            except OSError:
                time.sleep(1)
        print(f"  server start-up with {model.name}: {time.perf_counter() - start:.0f} s")
        settings = NLUSettings(
            backend="rasa", rasa_url=f"http://127.0.0.1:{port}", rasa_timeout_s=5.0, cache_dir=ROOT / ".cache" / "nlu"
        )
        embedded = EmbeddedNLU(load_or_train(DATA, settings.cache_dir))
        texts = texts_for_parsing(parses)

        async def run() -> list[float]:
            nlu = RasaNLU(settings, embedded)
            try:
                await time_parses(nlu, texts[:100])
                return await time_parses(nlu, texts)
            finally:
                await nlu.aclose()

        samples = asyncio.run(run())
        print(f"  parse latency through the adapter over {len(samples)} parses: {latency_line(samples)}")
        print(f"  peak RSS of the Rasa server: {_vm_hwm_mb(proc.pid):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report_file = ROOT / "reports" / "nlu-rasa.json"
    if run_cv:
        report = evaluate(load_training_data(DATA).examples, rasa_predictor(ROOT), "rasa")
        print(f"  5-fold CV (seed {report.seed}), {report.train_seconds_per_fold:.0f} s training per fold:")
        print_cv(report)
    elif report_file.exists():
        body = json.loads(report_file.read_text("utf-8"))
        print(f"  5-fold CV from {report_file.relative_to(ROOT)} (seed {body['seed']}, same folds), "
              f"{body['train_seconds_per_fold']:.0f} s training per fold:")  # fmt: skip
        for lang, rep in body["languages"].items():
            print(f"    {lang}: accuracy {rep['accuracy']:.3f}  macro-F1 {rep['macro_f1']:.3f}  (n={rep['examples']})")
    else:
        print("  no CV report: run `hamroh nlu test --backend rasa` or pass --rasa-cv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--parses", type=int, default=3000)
    ap.add_argument("--no-cv", action="store_true", help="skip the embedded cross-validation")
    ap.add_argument("--rasa-cv", action="store_true", help="run the Rasa cross-validation now")
    ap.add_argument("--no-rasa", action="store_true")
    args = ap.parse_args()
    bench_embedded(args.parses, not args.no_cv)
    if not args.no_rasa:
        bench_rasa(min(args.parses, 1000), args.rasa_cv)


if __name__ == "__main__":
    main()
