"""Hostile content files (issue 10): refused with file:line by `hamroh content check` and by
the running service, which keeps the last good version and reloads off the event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest

from bot.content import store as store_module
from bot.content.checker import check_content
from bot.content.store import ContentStore
from bot.runtime import content_reloading

from .test_checker import write_tree  # type: ignore[import-not-found]

TODAY = dt.date(2026, 12, 1)
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
HOSTILE = {
    "bomb": (BOMB, 5, "more than 25000 values"),
    "recursive alias": ("id: &x [1, *x]\n", 1, "refers to the value that contains it"),
    "deep nesting": ("id: " + "[" * 100_000 + "\n", 1, "nest"),
    "deep block": ("".join(" " * i + "- \n" for i in range(60)), 51, "levels deep"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_content_check_reports_hostile_files_at_their_line(tmp_path: Path, name: str) -> None:
    text, line, words = HOSTILE[name]
    root = write_tree(tmp_path / "content")
    (root / "ru/topics/greet.yaml").write_text(text, encoding="utf-8")
    (root / "topics.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result, problems = check_content(root, today=TODAY, include_nlu=False)
    assert time.perf_counter() - started < 20.0  # refused, not expanded (a bomb takes minutes)
    found = {(p.path.name, p.line) for p in problems if words in p.message}
    assert found == {("greet.yaml", line), ("topics.yaml", line)}, [str(p) for p in problems]
    assert not result.content.catalogue


def test_the_service_keeps_the_last_good_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    good = store.content.answer("ru", "greet")
    (root / "ru/topics/greet.yaml").write_text(BOMB, encoding="utf-8")
    problems = store.reload()
    assert [str(p).split(": error")[0] for p in problems if p.is_error] == [f"{root}/ru/topics/greet.yaml:5"]
    assert store.content.answer("ru", "greet") == good


def test_a_bug_in_loading_never_escapes_a_reload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(store_module, "load_content", broken)
    [problem] = store.reload()
    assert "RecursionError" in problem.message
    assert len(store.content.answers) == 9  # still served


async def _ticks_during(coro: object) -> int:
    """How often a 10 ms ticker ran on the loop while `coro` ran."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1
    task = asyncio.create_task(ticker())
    await coro  # type: ignore[misc]
    done.set()
    await task
    return ticks


def _slow_load(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    real = store_module.load_content

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(seconds)  # a slow disk or a hostile file: blocks this thread only
        return real(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(store_module, "load_content", slow)


async def test_reload_async_does_not_block_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ContentStore(write_tree(tmp_path / "content"))
    _slow_load(monkeypatch, 0.4)
    assert await _ticks_during(store.reload_async()) >= 10
    assert len(store.content.answers) == 9


async def test_watcher_and_sighup_reload_off_the_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    _slow_load(monkeypatch, 0.3)
    (root / "ru/topics/greet.yaml").write_text("id: greet\ntitle: A\ntext: new\n", encoding="utf-8")
    async with content_reloading(store, watch_interval_s=0.02, pidfile=tmp_path / "pid"):

        async def until_reloaded() -> None:
            for _ in range(200):
                answer = store.content.answer("ru", "greet")
                if answer is not None and answer.text == "new":
                    return
                await asyncio.sleep(0.01)
        assert await _ticks_during(until_reloaded()) >= 10
    answer = store.content.answer("ru", "greet")
    assert answer is not None and answer.text == "new"
