"""Telegram's HTML subset: validation and plain-text length.

Telegram rejects a whole message whose HTML it cannot parse ("can't parse entities"), so the
checker refuses such text before it reaches a migrant. Rules from
https://core.telegram.org/bots/api#html-style : only the tags below, every tag closed and
properly nested, and every `<`, `>` and `&` that is not markup written as an entity.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Tag -> allowed attributes.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
}

# Telegram's limit for one text message, counted after entities are parsed.
MAX_MESSAGE_CHARS = 4096

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


@dataclass(frozen=True)
class HtmlIssue:
    offset: int  # character offset in the source text
    message: str


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def validate(text: str) -> list[HtmlIssue]:
    """Every reason Telegram would refuse `text` as HTML, with its offset."""
    issues: list[HtmlIssue] = []
    stack: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "<":
            m = _TAG.match(text, pos)
            if m is None:
                issues.append(HtmlIssue(pos, "unescaped '<': write &lt; (or fix the tag)"))
                pos += 1
                continue
            closing, name, attrs, self_closing = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
            if name not in ALLOWED_TAGS:
                issues.append(HtmlIssue(pos, f"tag <{name}> is not allowed by Telegram"
                                        + (" (write a new line instead)" if name in {"br", "p"} else "")))
            elif closing:
                if not stack:
                    issues.append(HtmlIssue(pos, f"</{name}> closes a tag that was never opened"))
                elif stack[-1][0] != name:
                    issues.append(HtmlIssue(pos, f"</{name}> found while <{stack[-1][0]}> is open"))
                    if any(t == name for t, _ in stack):
                        while stack and stack[-1][0] != name:
                            stack.pop()
                        stack.pop()
                else:
                    stack.pop()
            else:
                for am in _ATTR.finditer(attrs):
                    if am.group(1).lower() not in ALLOWED_TAGS[name]:
                        issues.append(HtmlIssue(pos, f"attribute '{am.group(1)}' is not allowed on <{name}>"))
                if name == "a" and "href" not in attrs:
                    issues.append(HtmlIssue(pos, "<a> needs an href"))
                if self_closing:
                    issues.append(HtmlIssue(pos, f"<{name}/> cannot be self-closing"))
                else:
                    stack.append((name, pos))
            pos = m.end()
        elif ch == ">":
            issues.append(HtmlIssue(pos, "unescaped '>': write &gt;"))
            pos += 1
        elif ch == "&":
            if _ENTITY.match(text, pos) is None:
                issues.append(HtmlIssue(pos, "unescaped '&': write &amp;"))
            pos += 1
        else:
            pos += 1
    for name, at in stack:
        issues.append(HtmlIssue(at, f"<{name}> is never closed"))
    return issues


def open_tags(text: str) -> list[tuple[str, str]]:
    """The (name, full opening tag) pairs still open at the end of `text`, outermost first
    (what a cut there must close, and the next part reopen)."""
    stack: list[tuple[str, str]] = []
    for m in _TAG.finditer(text):
        closing, name = m.group(1), m.group(2).lower()
        if not closing and not m.group(4):
            stack.append((name, m.group(0)))
        elif closing and stack and stack[-1][0] == name:
            stack.pop()
    return stack


@dataclass(frozen=True)
class Span:
    """A run of visible text with the tags around it (outermost first) and the link it is in."""
    text: str
    tags: tuple[str, ...]
    href: str | None = None


def spans(text: str) -> list[Span]:
    """The text as a person sees it, in runs of the same formatting (for rendering it
    elsewhere, such as a terminal). Assumes valid HTML (`validate`): a stray closing tag is
    ignored."""
    out: list[Span] = []
    stack: list[tuple[str, str | None]] = []  # (tag, href of an <a>)
    pos = 0

    def emit(upto: int) -> None:
        if upto > pos:
            href = next((h for _, h in reversed(stack) if h is not None), None)
            out.append(Span(html.unescape(text[pos:upto]), tuple(n for n, _ in stack), href))

    for m in _TAG.finditer(text):
        emit(m.start())
        pos = m.end()
        closing, name = m.group(1), m.group(2).lower()
        if not closing and not m.group(4):
            attrs = {a.group(1).lower(): next((v for v in a.group(2, 3, 4) if v is not None), "")
                     for a in _ATTR.finditer(m.group(3))}
            stack.append((name, html.unescape(attrs.get("href", "")) if name == "a" else None))
        elif closing and stack and stack[-1][0] == name:
            stack.pop()
    emit(len(text))
    return out


def plain_text(text: str) -> str:
    """The text a person sees: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units of the parsed text)."""
    return len(plain_text(text).encode("utf-16-le")) // 2


def line_of(text: str, offset: int) -> int:
    """0-based line within `text` of a character offset."""
    return _line_of(text, offset)
