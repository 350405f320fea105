"""`hamroh nlu ...`: check the training data, train the cache, cross-validate a backend, serve
Rasa. The lead's CLI adds the group with `cli.add_command(nlu_group)`."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import click
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nlu.config import NLUSettings
from nlu.embedded import load_or_train
from nlu.evaluate import embedded_predictor, evaluate, rasa_predictor
from nlu.inbox.reload import signal_service
from nlu.problems import Problem
from nlu.rasa_tools import RasaUnavailable, latest_model, rasa_executable, serve_command
from nlu.report import write_reports
from nlu.risk.detector import RiskDetector
from nlu.risk.evaluate import embedded_danger, evaluate_danger, rasa_danger, write_danger_reports
from nlu.risk.situations import check_situations, situation_examples
from nlu.training_data import check_training_data, load_training_data

TOPICS_FILE = Path("content/topics.yaml")
DOMAIN_FILE = Path("nlu/rasa/domain.yml")


def load_topic_ids(path: Path = TOPICS_FILE) -> list[str]:
    body = yaml.safe_load(path.read_text("utf-8")) or {}
    return [str(t["id"]) for t in body.get("topics", []) if isinstance(t, dict) and "id" in t]


def _settings(ctx: click.Context) -> NLUSettings:
    """The app's settings when the parent CLI put them in ctx.obj, else the defaults."""
    obj: Any = ctx.find_root().obj
    if isinstance(obj, NLUSettings):
        return obj
    nested = getattr(obj, "nlu", None)
    return nested if isinstance(nested, NLUSettings) else NLUSettings()


def domain_problems(topic_ids: list[str], path: Path = DOMAIN_FILE) -> list[Problem]:
    if not path.exists():
        return [Problem(path, 0, "Rasa domain file is missing")]
    intents = (yaml.safe_load(path.read_text("utf-8")) or {}).get("intents", [])
    listed = {str(i) for i in intents}
    problems = [Problem(path, 0, f"topic {t} is not a Rasa intent") for t in topic_ids if t not in listed]
    known = set(topic_ids)
    problems += [Problem(path, 0, f"intent {i} is not a topic") for i in sorted(listed - known)]
    return problems


# `hamroh nlu inbox ...` reads the bot's database: its module is loaded when it runs.
LAZY = {"inbox": "bot.inbox.cli:inbox_group"}


class _NluGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY and cmd_name not in self.commands:
            module, _, attr = LAZY[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group("nlu", cls=_NluGroup)
def nlu_group() -> None:
    """Understanding: training data, models, evaluation."""


@nlu_group.command("check")
@click.option("--topics", "topics_file", type=click.Path(path_type=Path), default=TOPICS_FILE)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_context
def check_cmd(ctx: click.Context, topics_file: Path, data_dir: Path | None, strict: bool) -> None:
    """Check the NLU training data against the topic catalogue."""
    topic_ids = load_topic_ids(topics_file)
    data_dir = data_dir or _settings(ctx).data_dir
    problems = check_training_data(data_dir, topic_ids) + domain_problems(topic_ids)
    situations_dir = _settings(ctx).situations_dir
    if situations_dir.is_dir():
        problems += check_situations(situations_dir)
    for p in problems:
        click.echo(str(p))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{errors} errors, {warnings} warnings")
    if errors or (strict and warnings):
        sys.exit(1)


@nlu_group.command("train")
@click.pass_context
def train_cmd(ctx: click.Context) -> None:
    """Train the embedded model now (or confirm the cache is current); a running service
    picks it up without a restart."""
    settings = _settings(ctx)
    model = load_or_train(settings.data_dir, settings.cache_dir)
    click.echo(
        f"embedded model {model.key}: {len(model.intents)} intents, "
        f"trained in {model.train_seconds:.1f} s, cached in {settings.cache_dir}"
    )
    pid = signal_service()
    if pid is not None:
        click.echo(f"the running service (process {pid}) reloads the model")


@nlu_group.command("test")
@click.option("--backend", type=click.Choice(["embedded", "rasa"]), default="embedded")
@click.option("--folds", type=click.IntRange(2, 20), default=5)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("reports"))
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--part", type=click.Choice(["all", "topics", "danger"]), default="all",
              help="Topics, danger detection, or both.")
@click.pass_context
def test_cmd(ctx: click.Context, backend: str, folds: int, out_dir: Path, data_dir: Path | None,
             part: str) -> None:
    """Cross-validate a backend per language (topics, and danger recall and false alarms on the
    situation corpus); write Markdown, JSON and PNG reports."""
    console = Console(stderr=True)
    data = load_training_data(data_dir or _settings(ctx).data_dir)
    if not data.examples:
        raise click.ClickException("no training examples found")
    if backend == "rasa" and rasa_executable() is None:
        raise click.ClickException(".venv-rasa not found: run nlu/rasa/setup.sh first")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    if part in ("all", "danger"):
        _test_danger(ctx, backend, folds, out_dir, data_dir, console, columns)
    if part == "danger":
        return
    predictor = embedded_predictor if backend == "embedded" else rasa_predictor()
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"{backend}: {folds}-fold CV", total=folds)
        report = evaluate(data.examples, predictor, backend, folds, on_fold=lambda _k: progress.advance(task))
    for rep in report.languages.values():
        console.print(
            f"{rep.lang}: macro-F1 {rep.macro_f1:.3f}  accuracy {rep.accuracy:.3f}  ({rep.examples} examples)"
        )
    console.print(f"threshold with the best utility: {report.best_threshold:.2f}")
    for path in write_reports(report, out_dir):
        click.echo(str(path))


def _test_danger(ctx: click.Context, backend: str, folds: int, out_dir: Path, data_dir: Path | None,
                 console: Console, columns: tuple[Any, ...]) -> None:
    settings = _settings(ctx)
    items = situation_examples(settings.situations_dir, data_dir or settings.data_dir)
    if not any(s.source == "situations" for s in items):
        console.print(f"no situation corpus in {settings.situations_dir}: danger not evaluated")
        return
    rules = RiskDetector.load(Path("content"))
    predictor = embedded_danger if backend == "embedded" else rasa_danger()
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"{backend} danger: {folds}-fold CV", total=folds)
        report = evaluate_danger(items, predictor, backend, rules=lambda t: rules.assess(t, "ru"),
                                 certain=rules.certain, folds=folds, on_fold=lambda _k: progress.advance(task))
    for r in report.languages.values():
        console.print(f"{r.lang} danger: recall {r.recall:.3f} at false alarms {r.false_alarms:.3f} "
                      f"(model); rules + model recall {r.combined_recall:.3f}, false "
                      f"{r.combined_false:.3f}; {r.danger} danger, {r.safe} look-alikes")
    for path in write_danger_reports(report, out_dir):
        click.echo(str(path))


@nlu_group.command("serve-rasa")
@click.option("--port", type=int, default=None, help="Default: the port of settings.rasa_url.")
@click.pass_context
def serve_rasa_cmd(ctx: click.Context, port: int | None) -> None:
    """Run the Rasa server (`rasa run --enable-api`) on 127.0.0.1 with the newest model."""
    model = latest_model()
    if model is None:
        raise click.ClickException("no model in .cache/rasa-models: run nlu/rasa/setup.sh")
    port = port or urlparse(_settings(ctx).rasa_url).port or 5005
    try:
        cmd = serve_command(port, model)
    except RasaUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(" ".join(cmd), err=True)
    os.execv(cmd[0], cmd)  # replace this process: signals go straight to Rasa
