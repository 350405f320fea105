"""What the editors' risk rules file may hold (`content/<folder>/risk/rules.yaml`), as
pydantic models: nlu.risk.rules reads a file with them and reports each problem with its line.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nlu.risk.model import Indicator


class NegationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    before: list[str] = []
    after: list[str] = []
    forms: list[str] = []
    prefixes: list[str] = []
    window: int = Field(default=1, ge=1, le=5)
    # Word lists a negation never cancels: things, not actions ("нет паспорта, забрал хозяин").
    skip: list[str] = []


class FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    negation: NegationSpec = NegationSpec()
    words: dict[str, list[str]] = {}
    rules: list[dict[str, Any]] = Field(min_length=1)
    questions: list[str] = []
    question_ends: list[str] = []
    conditions: list[str] = []
    reports: list[str] = []
    third_party: list[str] = []
    reassurance: list[str] = []


class WordRuleSpec(BaseModel):
    """What every rule of words has (the risk rules here, the offer checker's signs in
    nlu/offers/spec.py): `any:` one of these patterns, or `all:` each of these within
    `within` words; `unless:` words that cancel it."""
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    any: list[str] | None = None
    all: list[str | list[str]] | None = Field(default=None, min_length=2)
    within: int = Field(default=6, ge=1, le=30)
    unless: list[str] = []
    note: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.any is None) == (self.all is None):
            raise ValueError("a rule needs exactly one of `any:` or `all:`")
        return self


class RuleSpec(WordRuleSpec):
    indicator: Indicator
    level: Literal["elevated", "high"]
    # Like `unless`, but only next to the match: inside it, or up to `near` words before or
    # after it in the same part of the sentence. "паспорт забрали в консульстве" is not
    # retention, while in "хозяин забрал паспорт, что делать, идти в консульство?" the
    # consulate is too far away to cancel anything.
    unless_near: list[str] = []
    near: int = Field(default=3, ge=0, le=10)
    negatable: bool = True
    ignore_questions: bool = False
    # Its words can only mean danger: the situation model never doubts a match of this rule.
    certain: bool = False
