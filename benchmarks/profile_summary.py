"""Sum up py-spy's collapsed stacks (`bench_telegram.py --profile DIR` writes them).

    .venv/bin/python benchmarks/profile_summary.py DIR/postgresql-0.txt [--top 30]

Prints where the time went: self time by package (sqlalchemy, aiogram, asyncio, ...), self
time by function, and inclusive time of the project's own functions (bot, nlu,
hotline_router), each as a share of the samples. Idle threads waiting on a queue are left
out (py-spy counts a thread blocked in C as busy).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

IDLE = ("_worker (concurrent/futures/thread.py", "_connection_worker_thread (aiosqlite/core.py",
        "select (selectors.py", "EpollSelector.select", "_wait_for_tstate_lock", "Condition.wait")
OURS = ("bot/", "nlu/", "hotline_router/", "shared/")
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def library(file: str) -> str:
    """py-spy names files from their package root: the first part is the package (or the
    standard library's module, such as asyncio)."""
    if "site-packages/" in file:
        file = file.split("site-packages/", 1)[1]
    return file.lstrip("/").split("/", 1)[0] or "?"


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], top: int) -> None:
    busy = [(frames, n) for frames, n in stacks if not any(frames[-1].startswith(i) for i in IDLE)]
    total = sum(n for _, n in busy) or 1
    by_lib: Counter[str] = Counter()
    by_func: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for frames, n in busy:
        leaf = FRAME.match(frames[-1])
        file = leaf["file"] if leaf else ""
        by_lib[library(file)] += n
        by_func[re.sub(r":\d+\)$", ")", frames[-1])] += n
        seen = set()
        for frame in frames:
            match = FRAME.match(frame)
            if match and match["file"].startswith(OURS):
                name = f"{match['func']} ({match['file']})"
                if name not in seen:
                    seen.add(name)
                    ours[name] += n
    print(f"{total} busy samples of {sum(n for _, n in stacks)}")
    for title, counter in (("self time by package", by_lib), ("self time by function", by_func),
                           ("inclusive time, project functions", ours)):
        print(f"\n{title}:")
        for name, n in counter.most_common(top):
            print(f"  {100 * n / total:5.1f}%  {name[:120]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    summarise(read(args.path), args.top)


if __name__ == "__main__":
    main()
