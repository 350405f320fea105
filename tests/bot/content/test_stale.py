"""`hamroh content stale`: what to re-check per language and why, with change dates from git
commits (a tmp repo with commits at set dates) or from file modification times."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console

from bot.cli.main import cli
from bot.content.stale import GIT, MTIME, StaleReport, run_stale, stale_report

TREE: dict[str, str] = yaml.safe_load((Path(__file__).parent / "stale_tree.yaml").read_text("utf-8"))
TODAY = dt.date(2026, 12, 4)
NEVER_CHANGED = {"times": lambda root, paths: ({}, MTIME)}  # no change dates: no translation reasons
# relative path -> words of each reason, in order (with no change dates known)
EXPECTED = {
    "ru/topics/help_human.yaml": ["valid_until 2026-11-30 has passed (4 days ago)"],
    "ru/topics/docs_patent.yaml": ["valid_until 2026-12-31 is in 27 day(s)"],
    "tj/topics/docs_patent.yaml": ["verified 2025-01-01, 702 days ago (more than 180)"],
    "tj/topics/help_human.yaml": ["review note: confirm the [b]operator[/b] hours"],
    "uz/topics/docs_broken.yaml": ["the file has errors: run `hamroh content check`"],
    "uz/topics/docs_patent.yaml": ["never verified by a person"],
}


def write_tree(root: Path) -> Path:
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def listed(report: StaleReport) -> dict[str, list[str]]:
    return {str(f.path.relative_to(report.root)): list(f.reasons) for f in report.files}


def test_what_to_recheck_and_why(tmp_path: Path) -> None:
    report = stale_report(write_tree(tmp_path / "content"), days=180, today=TODAY, **NEVER_CHANGED)
    got = listed(report)
    assert set(got) == set(EXPECTED)
    for name, words in EXPECTED.items():
        assert len(got[name]) == len(words), got[name]
        assert all(w in reason for w, reason in zip(words, got[name], strict=True)), got[name]
    assert [str(f.path.relative_to(report.root)) for f in report.expired] == ["ru/topics/help_human.yaml"]
    # ordered by language (tg, ru, uz), the expired first
    assert [f.lang for f in report.files] == ["tg", "tg", "ru", "ru", "uz", "uz"]
    assert report.files[2].expired


def test_days_and_lang_select(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    report = stale_report(root, days=10, today=TODAY, langs=["uz"], **NEVER_CHANGED)
    assert {f.lang for f in report.files} == {"uz"}
    got = listed(report)
    assert "verified 2026-11-01, 33 days ago (more than 10)" in got["uz/topics/greet.yaml"][0]
    assert "uz/safety.yaml" in got


def test_the_clock_is_not_frozen(tmp_path: Path) -> None:
    """Without `today`, the report uses the day it runs, not a date fixed at import."""
    root = write_tree(tmp_path / "content")
    assert stale_report(root, **NEVER_CHANGED).today == dt.date.today()


def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@hamroh.test",
           "GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "editor@hamroh.test",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env |= {"GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00", "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _commit(repo: Path, date: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--no-gpg-sign", "-m", f"content of {date}", date=date)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_russian_changed_after_translation_from_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    root = write_tree(tmp_path / "repo" / "content")
    _git(root.parent, "init", "-q")
    _commit(root.parent, "2026-11-01")
    (root / "ru/topics/greet.yaml").write_text(TREE["ru/topics/greet.yaml"].replace("Здравствуйте", "Привет!"),
                                               encoding="utf-8")
    _commit(root.parent, "2026-11-20")
    (root / "uz/topics/greet.yaml").write_text(TREE["uz/topics/greet.yaml"] + "# translated again\n",
                                               encoding="utf-8")
    _commit(root.parent, "2026-11-25")
    # an uncommitted edit does not count: the report reads commit dates
    os.utime(root / "tj/topics/greet.yaml", (2_000_000_000, 2_000_000_000))
    report = stale_report(root, days=180, today=TODAY)
    assert report.changes_from == GIT
    got = listed(report)
    assert got["tj/topics/greet.yaml"] == [
        "the Russian version changed on 2026-11-20, after this one (2026-11-01): "
        "compare the two and update this one"]
    assert "uz/topics/greet.yaml" not in got  # updated after the Russian change
    assert "ru/topics/greet.yaml" not in got


def test_russian_changed_after_translation_from_mtimes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never a git checkout
    root = write_tree(tmp_path / "content")
    older, newer = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC), dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    for path in root.rglob("*.yaml"):
        os.utime(path, (older.timestamp(), older.timestamp()))
    os.utime(root / "ru/safety.yaml", (newer.timestamp(), newer.timestamp()))
    report = stale_report(root, days=180, today=TODAY, langs=["tg", "ru"])
    assert report.changes_from == MTIME
    got = listed(report)
    assert got["tj/safety.yaml"] == [
        "the Russian version changed on 2026-11-20, after this one (2026-11-01): "
        "compare the two and update this one"]
    assert "uz/safety.yaml" not in got and "ru/safety.yaml" not in got


def test_strict_fails_only_past_valid_until(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - closed with the test process
    assert run_stale(root, days=180, console=quiet, today=TODAY) == 0
    assert run_stale(root, days=180, console=quiet, today=TODAY, strict=True) == 1
    assert run_stale(root, days=180, console=quiet, today=dt.date(2026, 11, 29), strict=True) == 0
    assert run_stale(root, days=180, console=quiet, today=TODAY, langs=["tg"], strict=True) == 0


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"HAMROH_CONTENT__DIR": str(root), "COLUMNS": "200",
                                                      "GIT_CEILING_DIRECTORIES": str(root.parent)})
    return result.exit_code, result.output


def test_cli_stale_report(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    code, out = _run(root, "content", "stale", "--today", "2026-12-04", "--lang", "tj")
    assert code == 0, out
    assert "tj/ (tg): 2 file(s) to re-check" in out
    assert "tj/topics/docs_patent.yaml" in out and "702 days ago" in out
    assert "confirm the [b]operator[/b] hours" in out  # an editor's note is text, not markup
    assert "ru/" not in out.replace("tj/topics", "")
    assert "When files changed: from file modification times." in out
    code, out = _run(root, "content", "stale", "--today", "2026-12-04", "--strict")
    assert code == 1, out
    assert "6 file(s) to re-check, 1 past valid_until" in out
    assert "uz/ (uz): 2 file(s) to re-check" in out
    code, out = _run(root, "content", "stale", "--today", "2026-12-04", "--days", "10", "--lang", "ru")
    assert (code, "ru/ (ru): 4 file(s) to re-check" in out) == (0, True), out


def test_cli_check_exit_codes_follow_valid_until(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    (root / "uz/topics/docs_broken.yaml").unlink()
    code, out = _run(root, "content", "check", "--no-nlu", "--today", "2026-11-29")
    assert code == 0, out
    assert "ru/topics/help_human.yaml:6: warning: valid_until 2026-11-30 is in 1 day(s)" in out
    assert "tj/topics/help_human.yaml:6: warning: review note: confirm the [b]operator[/b] hours" in out
    code, out = _run(root, "content", "check", "--no-nlu", "--today", "2026-12-04")
    assert code == 1, out
    assert "ru/topics/help_human.yaml:6: error: valid_until 2026-11-30 has passed" in out
