"""The content checker: a valid tree passes, and each kind of problem is reported at its line."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.checker import check_content

CASES = yaml.safe_load((Path(__file__).parent / "checker_cases.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 11, 29)

TOPICS = """topics:
  - {id: greet, area: chat, risk: none}
  - {id: docs_patent, area: docs, risk: none}
  - {id: help_human, area: help, risk: none}
"""


def write_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    for folder in ("tj", "ru", "uz"):
        topics = root / folder / "topics"
        topics.mkdir(parents=True)
        (topics / "greet.yaml").write_text("id: greet\ntitle: Hi\ntext: <b>Hello</b>\n", encoding="utf-8")
        (topics / "docs_patent.yaml").write_text(
            "id: docs_patent\ntitle: Patent\ntext: |\n  <b>Patent</b>\n  Steps &amp; costs\n"
            "buttons: [help_human]\nsources: [https://www.consultant.ru/document/cons_doc_LAW_37868/]\n"
            "verified: 2026-11-01\n",
            encoding="utf-8")
        (topics / "help_human.yaml").write_text(
            "id: help_human\ntitle: Person\ntext: Press the button\nbuttons: [greet]\n"
            "sources: [https://help.hamroh.org/operators]\n", encoding="utf-8")
        (root / folder / "safety.yaml").write_text(
            "default: RU\ncountries:\n  RU:\n    name: Russia\n    text: Call <b>112</b>\n", encoding="utf-8")
    return root


def test_valid_tree_has_no_problems(tmp_path: Path) -> None:
    result, problems = check_content(write_tree(tmp_path / "content"), today=TODAY, include_nlu=False)
    assert problems == []
    assert len(result.content.answers) == 9


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_problem_reported_at_its_line(tmp_path: Path, case: dict[str, Any]) -> None:
    root = write_tree(tmp_path / "content")
    if "delete" in case:
        (root / case["delete"]).unlink()
    target = root / case["file"]
    if "text" in case:
        target.write_text(case["text"], encoding="utf-8")
    elif "bytes" in case:
        target.write_bytes(base64.b64decode(case["bytes"]))
    elif "long_text" in case:
        body = "\n".join("  " + "слово " * 10 for _ in range(case["long_text"] // 60 + 1))
        target.write_text(f"id: docs_patent\ntitle: Патент\ntext: |\n{body}\nsources: [https://example.org/a]\n",
                          encoding="utf-8")
    _, problems = check_content(root, today=TODAY, include_nlu=False)
    wanted = [p for p in problems if p.path == target and case["message"] in p.message]
    if case.get("absent"):
        assert not wanted, [str(p) for p in wanted]
        return
    assert wanted, f"no problem containing {case['message']!r}; got: {[str(p) for p in problems]}"
    assert wanted[0].line == case["line"], str(wanted[0])
    assert wanted[0].severity == case.get("severity", "error")


def test_problem_format_is_file_line_message(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "content")
    (root / "ru/topics/greet.yaml").write_text("id: greet\ntitle: Hi\ntext: <i>x\n", encoding="utf-8")
    _, problems = check_content(root, today=TODAY, include_nlu=False)
    assert f"{root / 'ru/topics/greet.yaml'}:3: error: <i> is never closed" in [str(p) for p in problems]
