"""Reloading content: a broken file is refused and its last good version stays in service."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot.content.store import ContentStore
from bot.runtime import content_reloading

from .test_checker import write_tree  # type: ignore[import-not-found]


def test_broken_file_keeps_last_good_version(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    assert not [p for p in store.reload() if p.is_error]
    good = store.content.answer("ru", "docs_patent")
    assert good is not None
    (root / "ru/topics/docs_patent.yaml").write_text("id: docs_patent\ntitle: [broken\n", encoding="utf-8")
    problems = store.reload()
    assert any(p.is_error and p.path.name == "docs_patent.yaml" for p in problems)
    assert store.content.answer("ru", "docs_patent") == good  # still served
    assert store.content.answer("tg", "docs_patent") is not None


def test_fixed_file_replaces_the_old_one(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    (root / "ru/topics/greet.yaml").write_text("id: greet\ntitle: Привет\ntext: Новый текст\n", encoding="utf-8")
    assert store.changed()
    store.reload()
    answer = store.content.answer("ru", "greet")
    assert answer is not None and answer.text == "Новый текст"


def test_broken_catalogue_keeps_everything(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    (root / "topics.yaml").write_text("topics: [{id: 1}\n", encoding="utf-8")
    store.reload()
    assert len(store.content.answers) == 9


def test_deleted_file_is_dropped(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    (root / "uz/topics/greet.yaml").unlink()
    store.reload()
    assert store.content.answer("uz", "greet") is None


async def test_sighup_and_file_watch_reload(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    async with content_reloading(store, watch_interval_s=0.05, pidfile=tmp_path / "pid"):
        assert (tmp_path / "pid").read_text() == str(os.getpid())
        (root / "ru/topics/greet.yaml").write_text("id: greet\ntitle: A\ntext: by watch\n", encoding="utf-8")
        for _ in range(100):
            await asyncio.sleep(0.05)
            if store.content.answer("ru", "greet").text == "by watch":  # type: ignore[union-attr]
                break
        assert store.content.answer("ru", "greet").text == "by watch"  # type: ignore[union-attr]
        (root / "ru/topics/greet.yaml").write_text("id: greet\ntitle: A\ntext: by signal\n", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.sleep(0.2)
        assert store.content.answer("ru", "greet").text == "by signal"  # type: ignore[union-attr]
    assert not (tmp_path / "pid").exists()


def test_repository_content_is_complete(content_dir: Path) -> None:
    """Every topic in every language, no errors: what the editors ship."""
    store = ContentStore(content_dir)
    problems = [str(p) for p in store.reload() if p.is_error]
    assert problems == []
    assert len(store.content.answers) == 3 * len(store.content.catalogue)
    assert set(store.content.safety) == {"tg", "ru", "uz"}


async def test_reload_callback_runs_on_sighup(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    store = ContentStore(root)
    store.reload()
    calls: list[int] = []
    async with content_reloading(store, watch_interval_s=0, pidfile=tmp_path / "pid",
                                 reload=lambda: calls.append(1)):
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.sleep(0.1)
    assert calls == [1]
