"""Campaign files (`content/campaigns/*.yaml`): schema, loading and checking.

A file is one campaign: an id, a title, the text per language (Telegram HTML, checked like
answers), optional buttons to topics, an audience, a send time (in the hotline's time zone
unless it carries an offset) and an expiry. Problems are `nlu.problems.Problem` with
file:line, so `hamroh content check` prints them with the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.content import html as tg_html
from bot.content.loader import validation_problems
from bot.content.yamlsrc import YamlError, load_yaml
from nlu.languages import LANGS, Lang
from nlu.problems import Problem
from nlu.yamlsafe import YamlDoc

CAMPAIGN_ID = r"^[a-z0-9_]{1,24}$"  # short: it travels in buttons' 64-byte callback data
COUNTRY = re.compile(r"^[A-Z]{2}$|^OTHER$")
PRESS_PREFIX = "news:"  # callback data of a campaign's button: news:<campaign>:<topic>


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    languages: tuple[Lang, ...] = Field(default=LANGS, min_length=1)
    countries: tuple[str, ...] = ()  # where the person is (users.country); empty: anywhere
    topics: tuple[str, ...] = ()  # they asked about one of these; empty: anything
    active_within_days: int | None = Field(default=None, ge=1, le=3650)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not COUNTRY.match(code):
                raise ValueError(f"country {code!r}: a two-letter code in capitals (RU, KZ) or OTHER")
        return value


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CAMPAIGN_ID)
    title: str = Field(min_length=1, max_length=200)
    text: dict[Lang, str] = Field(min_length=1)
    buttons: tuple[str, ...] = Field(default=(), max_length=6)
    audience: Audience = Audience()
    send_at: dt.datetime | None = None  # None: sent only when someone starts it
    expires_at: dt.datetime = Field()  # after it nothing more goes out
    review: str | None = None  # a fact editors must re-check (as in answers)

    def when(self, tz: ZoneInfo) -> tuple[dt.datetime | None, dt.datetime]:
        """Send time and expiry as aware datetimes (naive ones are in the hotline's zone)."""
        def aware(at: dt.datetime) -> dt.datetime:
            return at if at.tzinfo is not None else at.replace(tzinfo=tz)
        return (aware(self.send_at) if self.send_at else None), aware(self.expires_at)

    def payload(self, topic: str) -> str:
        return f"{PRESS_PREFIX}{self.id}:{topic}"


def parse_press(data: str) -> tuple[str, str] | None:
    """(campaign id, topic) of a campaign button's callback data, or None."""
    if not data.startswith(PRESS_PREFIX):
        return None
    campaign, _, topic = data.removeprefix(PRESS_PREFIX).partition(":")
    return (campaign, topic) if campaign and topic else None


def _html_problems(doc: YamlDoc, lang: str, text: str) -> list[Problem]:
    loc = ("text", lang)
    first = doc.text_line(loc)
    out = [Problem(doc.path, first + tg_html.line_of(text, i.offset), f"text.{lang}: {i.message}")
           for i in tg_html.validate(text)]
    if not text.strip():
        out.append(Problem(doc.path, doc.line(loc), f"text.{lang}: empty"))
    length = tg_html.visible_length(text)
    if length > tg_html.MAX_MESSAGE_CHARS:
        out.append(Problem(doc.path, doc.line(loc), f"text.{lang}: {length} characters; one Telegram "
                           f"message holds {tg_html.MAX_MESSAGE_CHARS}"))
    return out


def _meaning_problems(doc: YamlDoc, c: Campaign, topics: Collection[str] | None) -> list[Problem]:
    out = [Problem(doc.path, doc.line(("text",)),
                   f"text: no {lang!r} text, but the audience includes {lang!r}")
           for lang in c.audience.languages if lang not in c.text]
    for i, topic in enumerate(c.buttons):
        if topics is not None and topic not in topics:
            out.append(Problem(doc.path, doc.line(("buttons", i)), f"buttons: unknown topic {topic!r}"))
        if len(c.payload(topic).encode()) > 64:
            out.append(Problem(doc.path, doc.line(("buttons", i)), "buttons: id and topic too long together"))
    for i, topic in enumerate(c.audience.topics):
        if topics is not None and topic not in topics:
            out.append(Problem(doc.path, doc.line(("audience", "topics", i)),
                               f"audience.topics: unknown topic {topic!r}"))
    send_at, expires_at = c.when(ZoneInfo("UTC"))
    if send_at is not None and send_at >= expires_at:
        out.append(Problem(doc.path, doc.line(("expires_at",)), "expires_at: before the send time"))
    if c.review:
        out.append(Problem(doc.path, doc.line(("review",)), f"to review: {c.review}", "warning"))
    return out


def load_campaign_file(path: Path, topics: Collection[str] | None = None) -> tuple[Campaign | None, list[Problem]]:
    try:
        doc = load_yaml(path)
    except YamlError as e:
        return None, [Problem(path, e.line, e.message)]
    except OSError as e:
        return None, [Problem(path, 1, f"cannot read: {e}")]
    if not isinstance(doc.data, dict):
        return None, [Problem(path, 1, "a campaign file is a mapping (id:, title:, text:, ...)")]
    try:
        campaign = Campaign.model_validate(doc.data)
    except ValidationError as e:
        return None, validation_problems(doc, e)
    problems = [p for lang, text in campaign.text.items() for p in _html_problems(doc, lang, text)]
    problems += _meaning_problems(doc, campaign, topics)
    if path.stem != campaign.id:
        problems.append(Problem(path, doc.line(("id",)), f"id {campaign.id!r}: name the file {campaign.id}.yaml"))
    return campaign, problems


def load_campaigns(folder: Path, topics: Collection[str] | None = None) -> tuple[dict[str, Campaign], list[Problem]]:
    """Every campaign without an error (a broken file is left out, with its problems)."""
    found: dict[str, Campaign] = {}
    problems: list[Problem] = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []:
        campaign, file_problems = load_campaign_file(path, topics)
        problems += file_problems
        if campaign is None or any(p.is_error for p in file_problems):
            continue
        if campaign.id in found:
            problems.append(Problem(path, 1, f"id {campaign.id!r} is used by another file"))
            continue
        found[campaign.id] = campaign
    return found, problems


def check_campaigns(folder: Path, topics: Collection[str] | None = None) -> list[Problem]:
    return load_campaigns(folder, topics)[1]
