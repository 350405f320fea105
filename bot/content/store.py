"""The running service's content: reloaded on change, never replaced by a broken file.

A file that fails validation is refused and its last good version stays in service; every
refusal is logged with the file, line and reason. Editors see the same messages from
`hamroh content check`.

A running service reloads with `reload_async`: the files are read and checked in a worker
thread, so a slow or hostile file never blocks the event loop; the new snapshot replaces the
old one in a single assignment, so a reader sees one or the other, never a mix.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import structlog

from bot.content.loader import Content, LoadResult, load_content
from nlu.problems import Problem

log = structlog.get_logger(__name__)


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detection: names, sizes and mtimes of every YAML file."""
    items = []
    for path in sorted(root.rglob("*.y*ml")):
        try:
            st = path.stat()
        except OSError:
            continue
        items.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(items)


class ContentStore:
    def __init__(self, root: Path, *, max_age_days: int = 180) -> None:
        self.root = root
        self.max_age_days = max_age_days
        self._content = Content()
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        self.last_problems: list[Problem] = []
        self._lock = threading.Lock()  # one reload at a time (SIGHUP and the watcher may overlap)

    @property
    def content(self) -> Content:
        return self._content

    async def reload_async(self) -> list[Problem]:
        """`reload` in a worker thread: the event loop goes on serving meanwhile."""
        return await asyncio.to_thread(self.reload)

    def reload(self) -> list[Problem]:
        """Load the folder again; keep the last good version of anything refused."""
        with self._lock:
            return self._reload()

    def _reload(self) -> list[Problem]:
        self._fingerprint = _fingerprint(self.root)
        try:
            result = load_content(self.root, max_age_days=self.max_age_days, today=dt.date.today())
        except Exception as exc:  # a bug must not take the service down: keep what is served
            log.exception("content.reload_failed")
            problem = Problem(self.root, 1, f"content could not be loaded: {type(exc).__name__}: {exc}")
            self.last_problems = [problem]
            return [problem]
        self._content = self._merge(self._content, result)
        self.last_problems = result.problems
        for problem in result.problems:
            if problem.is_error:
                log.warning("content.refused", file=str(problem.path), line=problem.line,
                            reason=problem.message)
        log.info("content.loaded", answers=len(self._content.answers),
                 errors=sum(p.is_error for p in result.problems))
        return result.problems

    def _merge(self, old: Content, result: LoadResult) -> Content:
        new = result.content
        if not new.catalogue:
            # The catalogue itself is broken: nothing new can be trusted.
            log.error("content.catalogue_refused", kept_answers=len(old.answers))
            return old
        for key, answer in old.answers.items():
            if key not in new.answers and answer.path.exists() and answer.topic.id in new.catalogue:
                log.warning("content.kept_previous", file=str(answer.path), topic=answer.topic.id)
                new.answers[key] = answer
        for lang, safety in old.safety.items():
            if lang not in new.safety:
                log.warning("content.kept_previous_safety", lang=lang)
                new.safety[lang] = safety
        return new

    def changed(self) -> bool:
        return _fingerprint(self.root) != self._fingerprint
