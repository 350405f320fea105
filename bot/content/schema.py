"""The content schema, validated with pydantic. Documented for editors in content/README.md."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Area = Literal["chat", "rights", "jobs", "docs", "help", "risk"]
RiskLevelName = Literal["none", "elevated", "high"]

# The four areas of the main menu, in menu order.
MENU_AREAS: tuple[Area, ...] = ("rights", "jobs", "docs", "help")

TOPIC_ID = r"^[a-z][a-z0-9_]{1,47}$"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
MAX_BUTTONS = 4
MAX_TITLE = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicMeta(_Strict):
    id: str = Field(pattern=TOPIC_ID)
    area: Area
    risk: RiskLevelName = "none"


class Catalogue(_Strict):
    topics: list[TopicMeta] = Field(min_length=1)


def _check_urls(urls: list[str]) -> list[str]:
    for url in urls:
        if not _URL.match(url):
            raise ValueError(f"{url!r} is not a URL (write it in full: https://...)")
    return urls


def _blank_is_none(value: str | None) -> str | None:
    """A `review:` note; an empty one counts as no note."""
    if value is None:
        return None
    return value.strip() or None


class TopicFile(_Strict):
    id: str = Field(pattern=TOPIC_ID)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    text: str = Field(min_length=1)
    buttons: list[str] = Field(default_factory=list, max_length=MAX_BUTTONS)
    sources: list[str] = Field(default_factory=list)
    verified: dt.date | None = None  # set by the person who checked the facts; None: not yet
    valid_until: dt.date | None = None  # the figures expire (e.g. a yearly price)
    review: str | None = None  # the writer's note of what a person must check

    @field_validator("review")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        return _blank_is_none(value)

    @field_validator("title")
    @classmethod
    def _plain_title(cls, value: str) -> str:
        if "<" in value or ">" in value:
            raise ValueError("a title is plain text: no HTML tags")
        return value.strip()

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the text is empty")
        return value.strip()

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return _check_urls(value)


class CountrySafety(_Strict):
    name: str = Field(min_length=1, max_length=MAX_TITLE)
    text: str = Field(min_length=1)


class SafetyFile(_Strict):
    default: str = "RU"
    countries: dict[str, CountrySafety] = Field(min_length=1)
    sources: list[str] = Field(default_factory=list)
    verified: dt.date | None = None
    valid_until: dt.date | None = None
    review: str | None = None

    @field_validator("review")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        return _blank_is_none(value)

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return _check_urls(value)
