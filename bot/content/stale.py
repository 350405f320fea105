"""`hamroh content stale`: per language, what a person should re-check, and why.

A file is listed when it was never verified by a person, was verified more than N days ago,
its `valid_until` is near or past, it carries a `review:` note, or the Russian version changed
after it (a translation that may be behind). Change dates come from git commits when the
content is in a git checkout, else from file modification times; the report says which.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.content.review import EXPIRY_WARNING_DAYS, Reviewed, one_line, read_reviewed
from nlu.languages import LANGS, Lang, content_folder

GIT = "git commit dates"
MTIME = "file modification times"
ChangeTimes = Callable[[Path, list[Path]], tuple[dict[Path, dt.datetime], str]]


@dataclass(frozen=True)
class StaleFile:
    lang: Lang
    path: Path
    reasons: tuple[str, ...]
    expired: bool  # past `valid_until`: what `--strict` fails on


@dataclass
class StaleReport:
    root: Path
    today: dt.date
    days: int
    langs: tuple[Lang, ...]
    changes_from: str  # GIT or MTIME
    files: list[StaleFile] = field(default_factory=list)

    def for_lang(self, lang: Lang) -> list[StaleFile]:
        return [f for f in self.files if f.lang == lang]

    @property
    def expired(self) -> list[StaleFile]:
        return [f for f in self.files if f.expired]


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def change_times(root: Path, paths: list[Path]) -> tuple[dict[Path, dt.datetime], str]:
    """When each file last changed: its last commit (`git log -1 --format=%cI`) in a git
    checkout, else its modification time. A file never committed has no git date."""
    if shutil.which("git") and _git(root, "rev-parse", "--is-inside-work-tree") == "true":
        times = {}
        for path in paths:
            stamp = _git(root, "log", "-1", "--format=%cI", "--", str(path.resolve()))
            with contextlib.suppress(ValueError, TypeError):
                times[path] = dt.datetime.fromisoformat(stamp or "")
        return times, GIT
    mtimes = {}
    for path in paths:
        with contextlib.suppress(OSError):
            mtimes[path] = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return mtimes, MTIME


def _russian_of(root: Path, item: Reviewed) -> Path:
    return root / content_folder("ru") / item.path.relative_to(root / content_folder(item.lang))


def _reasons(item: Reviewed, today: dt.date, days: int) -> tuple[list[str], bool]:
    reasons: list[str] = []
    expired = False
    if item.verified is None:
        reasons.append("never verified by a person (no verified: date)")
    elif (age := (today - item.verified).days) > days:
        reasons.append(f"verified {item.verified.isoformat()}, {age} days ago (more than {days})")
    if item.valid_until is not None:
        left = (item.valid_until - today).days
        if left < 0:
            expired = True
            reasons.append(f"valid_until {item.valid_until.isoformat()} has passed ({-left} days ago)")
        elif left <= EXPIRY_WARNING_DAYS:
            reasons.append(f"valid_until {item.valid_until.isoformat()} is in {left} day(s)")
    if item.review is not None:
        reasons.append(f"review note: {one_line(item.review)}")
    return reasons, expired


def stale_report(root: Path, *, days: int = 180, today: dt.date | None = None,
                 langs: Iterable[Lang] = LANGS, times: ChangeTimes = change_times) -> StaleReport:
    """What to re-check in `langs`; `today` and `times` are injectable for tests."""
    langs = tuple(langs)
    today = today or dt.date.today()
    items, broken = read_reviewed(root, LANGS)
    ru = {i.path for i in items if i.lang == "ru"}
    wanted = [i for i in items if i.lang in langs]
    translations = [i for i in wanted if i.lang != "ru"]
    pairs = {i.path for i in translations} | {_russian_of(root, i) for i in translations}
    changed, source = times(root, sorted(p for p in pairs if p.exists()))
    report = StaleReport(root=root, today=today, days=days, langs=langs, changes_from=source)
    for item in wanted:
        reasons, expired = _reasons(item, today, days)
        if item.lang != "ru":
            russian = _russian_of(root, item)
            ru_at, own_at = changed.get(russian), changed.get(item.path)
            if russian in ru and ru_at and own_at and ru_at > own_at:
                reasons.append(f"the Russian version changed on {ru_at.date().isoformat()}, after this one "
                               f"({own_at.date().isoformat()}): compare the two and update this one")
        if reasons:
            report.files.append(StaleFile(item.lang, item.path, tuple(reasons), expired))
    for lang, path in broken:
        if lang in langs:
            report.files.append(StaleFile(lang, path, ("the file has errors: run `hamroh content check`",), False))
    report.files.sort(key=lambda f: (LANGS.index(f.lang), not f.expired, str(f.path)))
    return report


def render(report: StaleReport, console: Console) -> None:
    for lang in report.langs:
        files = report.for_lang(lang)
        folder = content_folder(lang)
        if not files:
            console.print(f"{folder}/ ({lang}): nothing to re-check")
            continue
        table = Table(title=f"{folder}/ ({lang}): {len(files)} file(s) to re-check", title_justify="left")
        table.add_column("file", no_wrap=True)
        table.add_column("why")
        for f in files:
            why = Text("\n".join(f.reasons), style="red" if f.expired else "")
            shown = f.path.relative_to(report.root) if f.path.is_relative_to(report.root) else f.path
            table.add_row(Text(str(shown)), why)
        console.print(table)
    note = " (edits not yet committed are not counted)" if report.changes_from == GIT else ""
    console.print(f"{len(report.files)} file(s) to re-check, {len(report.expired)} past valid_until. "
                  f"Today: {report.today.isoformat()}; re-check after {report.days} days. "
                  f"When files changed: from {report.changes_from}{note}.", soft_wrap=True)


def run_stale(root: Path, *, days: int, console: Console, langs: Iterable[Lang] = LANGS,
              today: dt.date | None = None, strict: bool = False) -> int:
    """Print the report; exit 0 (it is a report), or 1 with `strict` when anything is past valid_until."""
    report = stale_report(root, days=days, today=today, langs=langs)
    render(report, console)
    return 1 if strict and report.expired else 0
