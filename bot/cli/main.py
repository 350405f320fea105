"""The `hamroh` command.

Each subcommand's module is imported when that subcommand runs (`LazyGroup`): `hamroh content
reload` or `hamroh --help` do not load aiogram, scikit-learn and the models, and the command
modules import what they use at their top.
"""

from __future__ import annotations

import importlib
import sys

import click

from bot.logs import configure_logging
from bot.settings import load_settings
from bot.startup import StartupError

# name -> ("module:attribute", the one line `hamroh --help` shows)
COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("bot.cli.commands:chat", "Talk to the bot in the terminal (buttons are numbered)."),
    "ask": ("bot.cli.commands:ask", "Answer JSON Lines from stdin, one JSON object per line on stdout."),
    "content": ("bot.cli.content_group:content", "Check and reload the editors' content files."),
    "console": ("bot.cli.commands:console_cmd", "Serve the operator console alone (SLA watcher, reply delivery)."),
    "serve": ("bot.cli.commands:serve", "Run the Telegram bot with the console and the SLA watcher."),
    "nlu": ("nlu.cli:nlu_group", "Check the training data, train, cross-validate, serve Rasa."),
    "operators": ("bot.cli.commands:operators", "Console accounts of hotline operators and supervisors."),
    "telegram": ("bot.telegram.cli:telegram_group", "The Telegram bot's operator links (see docs/telegram.md)."),
    "updates": ("bot.telegram.updates_cli:updates_group", "Telegram updates that could not be handled."),
    "campaign": ("bot.cli.campaign_group:campaign", "Awareness campaigns: list, preview, audience, send."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported by name, on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, _, attr = COMMANDS[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{COMMANDS[cmd_name][0]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Hamroh: a helpdesk bot for labour migrants from Tajikistan and Uzbekistan."""
    ctx.obj = load_settings()
    configure_logging(ctx.obj)


def main() -> None:
    try:
        cli()
    except StartupError as e:  # a configured service is unusable: one line, not a traceback
        print(f"hamroh: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
