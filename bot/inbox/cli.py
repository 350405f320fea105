"""`hamroh nlu inbox export|review`: the editors' labels back into the training data."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from bot.composition import database_sessions
from bot.inbox import repo
from bot.settings import Settings
from nlu.inbox.export import Labelled, export, pending
from nlu.inbox.review import review


def _settings(ctx: click.Context) -> Settings:
    obj: Any = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


async def load_labelled(settings: Settings) -> list[Labelled]:
    async with database_sessions(settings) as sessions, sessions() as session:
        rows = await repo.labelled(session)
    return [Labelled(r.text, r.lang, r.label_kind or "", r.label) for r in rows]


@click.group("inbox")
def inbox_group() -> None:
    """The inbox of misunderstood messages: export labels as training data, review a retrain."""


@inbox_group.command("export")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--situations-dir", type=click.Path(path_type=Path), default=None)
@click.pass_context
def export_cmd(ctx: click.Context, data_dir: Path | None, situations_dir: Path | None) -> None:
    """Write the labelled messages as Rasa YAML (nlu/data/<lang>/inbox.yml; danger into
    nlu/situations/<lang>/inbox.yml). Then `hamroh nlu check` and `hamroh nlu train`."""
    settings = _settings(ctx)
    items = asyncio.run(load_labelled(settings))
    result = export(items, data_dir or settings.nlu.data_dir, situations_dir or settings.nlu.situations_dir)
    for path in result.written:
        click.echo(f"wrote {path}")
    for text, why in result.skipped:
        click.echo(f"left out ({why}): {text}")
    for item in result.new_topics:
        click.echo(f"needs a new topic ({item.lang}): {item.text}")
    click.echo(f"{result.added} examples added, {len(result.skipped)} left out, "
               f"{len(result.new_topics)} waiting for a new topic")


@inbox_group.command("review")
@click.option("--folds", type=click.IntRange(2, 20), default=5)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.pass_context
def review_cmd(ctx: click.Context, folds: int, data_dir: Path | None) -> None:
    """Cross-validation before and after adding the labels not yet exported, and the
    labelled messages whose answer would change."""
    settings = _settings(ctx)
    data_dir = data_dir or settings.nlu.data_dir
    items = asyncio.run(load_labelled(settings))
    new = pending(items, data_dir, settings.nlu.situations_dir)
    r = review(new, data_dir, folds=folds, earlier=items)
    click.echo(f"{r.added} new examples; cross-validated macro-F1 per language ({folds} folds):")
    for lang, f1 in sorted(r.before.items()):
        after = r.after.get(lang, 0.0)
        click.echo(f"  {lang}: {f1:.3f} -> {after:.3f} ({after - f1:+.3f})")
    click.echo(f"{len(r.flips)} answers change:")
    for f in r.flips:
        click.echo(f"  [{f.lang}] {f.text!r}: {f.before} -> {f.after} (label {f.label})")
    if r.dropped(0.005):
        click.echo(f"warning: cross-validation drops for {', '.join(r.dropped(0.005))}")
