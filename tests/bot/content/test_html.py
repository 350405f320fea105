"""Telegram HTML read as runs of formatted text (bot.content.html.spans), and the campaign
preview in the terminal built on it."""

from __future__ import annotations

from bot.cli.campaign_group import telegram_text
from bot.content.html import Span, plain_text, spans

ANSWER = ('<b>Патент</b> — <i>ҳатман</i> &amp; <a href="https://mvd.ru/?a=1&amp;b=2">сайт <b>МВД</b></a>'
          '\n<tg-spoiler>112</tg-spoiler>')


def test_runs_carry_their_tags_and_link() -> None:
    assert spans(ANSWER) == [
        Span("Патент", ("b",)), Span(" — ", ()), Span("ҳатман", ("i",)), Span(" & ", ()),
        Span("сайт ", ("a",), "https://mvd.ru/?a=1&b=2"), Span("МВД", ("a", "b"), "https://mvd.ru/?a=1&b=2"),
        Span("\n", ()), Span("112", ("tg-spoiler",))]
    assert "".join(s.text for s in spans(ANSWER)) == plain_text(ANSWER)


def test_plain_text_and_a_stray_closing_tag() -> None:
    assert spans("no tags, 5 &lt; 6") == [Span("no tags, 5 < 6", ())]
    assert spans("a</b>b") == [Span("a", ()), Span("b", ())]
    assert spans("") == []


def test_the_terminal_preview_names_a_link_once_after_it() -> None:
    shown = telegram_text(ANSWER)
    assert shown.plain == "Патент — ҳатман & сайт МВД (https://mvd.ru/?a=1&b=2)\n112"
    styles = {shown.plain[s.start:s.end]: str(s.style) for s in shown.spans}
    assert styles["Патент"] == "bold" and styles["МВД"] == "underline blue bold"
