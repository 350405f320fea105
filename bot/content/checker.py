"""`hamroh content check`: every problem in the editors' files, and a coverage table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.campaigns.schema import check_campaigns
from bot.content.loader import LoadResult, load_content
from bot.content.review import read_reviewed, review_problems
from bot.content.yamlsrc import YamlError, load_yaml
from hotline_router.console.replies import check_replies
from hotline_router.routing import check_routing
from nlu.languages import LANGS, Lang, content_folder
from nlu.offers.check import check_offers
from nlu.problems import Problem
from nlu.risk.check import check_risk
from nlu.risk.situations import check_situations
from nlu.training_data import check_training_data


def _catalogue_lines(root: Path) -> dict[str, int]:
    try:
        doc = load_yaml(root / "topics.yaml")
    except (OSError, YamlError):
        return {}
    topics = doc.data.get("topics", []) if isinstance(doc.data, dict) else []
    return {t["id"]: doc.line(("topics", i)) for i, t in enumerate(topics)
            if isinstance(t, dict) and isinstance(t.get("id"), str)}


def coverage_problems(root: Path, result: LoadResult) -> list[Problem]:
    """A topic missing in a language, and files for topics the catalogue does not know."""
    lines = _catalogue_lines(root)
    problems = []
    for lang in LANGS:
        folder = root / content_folder(lang) / "topics"
        for topic_id in result.content.catalogue:
            if not (folder / f"{topic_id}.yaml").exists() and not (folder / f"{topic_id}.yml").exists():
                problems.append(Problem(root / "topics.yaml", lines.get(topic_id, 1),
                                        f"topic {topic_id!r} has no answer in {content_folder(lang)}/ "
                                        f"(expected {folder / (topic_id + '.yaml')})"))
    return problems


def check_content(root: Path, *, max_age_days: int = 180, today: dt.date | None = None,
                  include_nlu: bool = True) -> tuple[LoadResult, list[Problem]]:
    today = today or dt.date.today()
    result = load_content(root, max_age_days=max_age_days, today=today)
    problems = list(result.problems) + coverage_problems(root, result)
    problems += review_problems(read_reviewed(root)[0], today)
    problems += check_campaigns(root / "campaigns", set(result.content.catalogue))  # issue 16
    if include_nlu:
        problems += _nlu_and_risk_problems(root, set(result.content.catalogue))
    return result, sorted(set(problems), key=lambda p: (str(p.path), p.line, p.message))


def _nlu_and_risk_problems(root: Path, topic_ids: set[str]) -> list[Problem]:
    data_dir = root.parent / "nlu" / "data"
    problems: list[Problem] = []
    if data_dir.is_dir() and topic_ids:
        problems += check_training_data(data_dir, topic_ids)
    problems += check_risk(root)
    problems += check_offers(root)  # issue 17: the job-offer checker's rules and cases
    situations = root.parent / "nlu" / "situations"
    if situations.is_dir():
        problems += check_situations(situations)
    routing = root / "hotline" / "routing.yaml"
    if routing.exists():
        problems += check_routing(routing)
    problems += check_replies(root / "hotline" / "replies")
    return problems


def coverage_table(result: LoadResult) -> Table:
    table = Table(title="Coverage: topics x languages")
    table.add_column("topic")
    table.add_column("area")
    table.add_column("risk")
    for lang in LANGS:
        table.add_column(content_folder(lang), justify="center")
    for topic in result.content.catalogue.values():
        cells = ["✔" if result.content.answer(lang, topic.id) else "[red]✘[/red]" for lang in LANGS]
        table.add_row(topic.id, topic.area, topic.risk, *cells)
    totals = [f"{sum(1 for t in result.content.catalogue if result.content.answer(lang, t))}"
              f"/{len(result.content.catalogue)}" for lang in LANGS]
    table.add_row("[b]total[/b]", "", "", *totals)
    return table


def run_check(root: Path, *, max_age_days: int, console: Console, include_nlu: bool = True,
              today: dt.date | None = None) -> int:
    """Print problems and the table; the exit status is 1 when there is an error."""
    result, problems = check_content(root, max_age_days=max_age_days, include_nlu=include_nlu, today=today)
    for problem in problems:
        style = "red" if problem.is_error else "yellow"
        console.print(Text(str(problem), style=style), soft_wrap=True, highlight=False)
    console.print(coverage_table(result))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    console.print(f"{errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def missing_langs(result: LoadResult, topic_id: str) -> list[Lang]:
    return [lang for lang in LANGS if result.content.answer(lang, topic_id) is None]
