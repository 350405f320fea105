"""Load and validate the editors' offer rules (content/<folder>/offers/rules.yaml) and the shared
settings (content/ru/offers/settings.yaml). Every problem is a `Problem` with file and line;
a flag with a problem is left out and the other flags keep working.

Patterns are written and matched exactly as in the risk rules (nlu/risk/patterns.py):
`word*`, `*ending`, `#` (a number), `*` (one word), `...` (up to five words), `@list`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlu.languages import Lang, content_folder
from nlu.problems import Problem
from nlu.risk.patterns import Negation, PatternError, Term, compile_pattern, make_term
from nlu.risk.rules import load_per_language, load_yaml_lines
from nlu.risk.spec import WordRuleSpec
from nlu.yamlsafe import Loc

# The red flags of issue 17. Pattern flags are written by the editors under `flags:`; the
# computed ones are worked out in code from lists in the same file (see OFFER_RULES.md).
PATTERN_FLAGS = ("fee_before_departure", "passport_to_manager", "ticket_deducted",
                 "pressure_to_leave", "warning_list")
COMPUTED_FLAGS = ("pay_above_usual", "no_company", "messenger_only")
FLAG_IDS = ("fee_before_departure", "passport_to_manager", "pay_above_usual", "no_company",
            "messenger_only", "ticket_deducted", "pressure_to_leave", "warning_list")
MISSING_IDS = ("employer_name", "address", "contract", "licence_number")
SETTINGS_FOLDER = "ru"  # the one settings file serves every language


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NegationSpec(_Strict):
    before: list[str] = []
    after: list[str] = []
    window: int = Field(default=1, ge=1, le=3)


class RuleSpec(WordRuleSpec):
    """A sign of a trap in an offer: the risk rules' shape (nlu.risk.rules.WordRuleSpec)."""


class FileSpec(_Strict):
    review: str = ""
    labels: dict[str, str] = {}
    missing_labels: dict[str, str] = {}
    next_steps: str = ""
    negation: NegationSpec = NegationSpec()
    words: dict[str, list[str]] = {}
    vacancy: list[str] = []
    salary: list[str] = []
    legal_forms: list[str] = []  # matched as written, capitals too: ООО, ИП, MChJ
    flags: list[dict[str, Any]] = []
    present: list[dict[str, Any]] = []
    messenger: list[str] = []
    other_contact: list[str] = []
    jobs: dict[str, list[str]] = {}
    countries: dict[str, list[str]] = {}
    currencies: dict[str, list[str]] = {}
    periods: dict[str, list[str]] = {}


class AdSpec(_Strict):
    threshold: int = Field(default=3, ge=1)
    forwarded_threshold: int = Field(default=1, ge=0)
    min_lines: int = Field(default=4, ge=2)
    weights: dict[str, int] = {}


class UsualPay(_Strict):
    currency: str
    any: float = Field(gt=0)
    jobs: dict[str, float] = {}
    review: str = ""


class PaySpec(_Strict):
    review: str = ""
    factor: float = Field(default=1.5, ge=1.0)
    per_month: dict[str, float] = {"day": 26, "hour": 208, "week": 4.3, "shift": 26}
    usd_rates: dict[str, float] = {}
    country_of_currency: dict[str, str] = {}
    default_country: str = "abroad"
    usual: dict[str, UsualPay] = {}


class SettingsSpec(_Strict):
    ad: AdSpec = AdSpec()
    pay: PaySpec = PaySpec()


@dataclass(frozen=True)
class OfferRule:
    id: str
    lang: Lang
    groups: tuple[tuple[Term, ...], ...]  # one for `any:`, one per entry of `all:`
    within: int
    unless: tuple[Term, ...]
    line: int


@dataclass
class OfferRuleSet:
    """One language's file, compiled."""

    lang: Lang
    path: Path
    labels: dict[str, str] = field(default_factory=dict)
    missing_labels: dict[str, str] = field(default_factory=dict)
    next_steps: str = ""
    flags: list[OfferRule] = field(default_factory=list)
    present: list[OfferRule] = field(default_factory=list)
    lists: dict[str, dict[str, tuple[Term, ...]]] = field(default_factory=dict)  # kind -> name -> terms
    legal_forms: tuple[str, ...] = ()


LIST_KINDS = ("jobs", "countries", "currencies", "periods")


def rules_path(root: Path, lang: Lang) -> Path:
    return root / content_folder(lang) / "offers" / "rules.yaml"


def settings_path(root: Path) -> Path:
    return root / SETTINGS_FOLDER / "offers" / "settings.yaml"


def load_settings(root: Path) -> tuple[SettingsSpec, list[Problem]]:
    path = settings_path(root)
    if not path.is_file():
        return SettingsSpec(), [Problem(path, 1, "offer settings file is missing (defaults used)", "warning")]
    try:
        data, lines = load_yaml_lines(path)
        return SettingsSpec.model_validate(data or {}), []
    except ValueError as exc:
        return SettingsSpec(), [Problem(path, exc.args[1] if len(exc.args) > 1 else 1, str(exc.args[0]))]
    except ValidationError as exc:
        return SettingsSpec(), [Problem(path, _line(lines, tuple(e["loc"])),
                                        f"{'.'.join(map(str, e['loc']))}: {e['msg']}") for e in exc.errors()]


def load_rulesets(root: Path) -> tuple[list[OfferRuleSet], list[Problem]]:
    return load_per_language(lambda lang: rules_path(root, lang), _load_one, "offer rules")


def _line(lines: dict[Loc, int], loc: Loc) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _load_one(path: Path, lang: Lang, ids: Iterator[int]) -> tuple[OfferRuleSet | None, list[Problem]]:
    try:
        data, lines = load_yaml_lines(path)
    except ValueError as exc:
        return None, [Problem(path, exc.args[1] if len(exc.args) > 1 else 1, str(exc.args[0]))]
    problems: list[Problem] = []

    def error(loc: Loc, msg: str, severity: str = "error") -> None:
        problems.append(Problem(path, _line(lines, loc), msg, "warning" if severity == "warning" else "error"))

    try:
        spec = FileSpec.model_validate(data or {})
    except ValidationError as exc:
        for e in exc.errors():
            error(tuple(e["loc"]), f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
        return None, problems
    neg = Negation(tuple(p for t in spec.negation.before for p in _safe(t)),
                   tuple(p for t in spec.negation.after for p in _safe(t)), (), spec.negation.window)
    words: dict[str, tuple[Term, ...]] = {}

    def terms(patterns: list[str], loc: Loc, negation: Negation | None) -> tuple[Term, ...]:
        out: list[Term] = []
        for k, text in enumerate(patterns):
            if text.startswith("@"):
                if text[1:] not in words:
                    error((*loc, k), f"unknown word list {text!r} (define it under `words:`)")
                else:
                    out.extend(words[text[1:]])
                continue
            try:
                out.append(make_term(next(ids), text, negation))
            except PatternError as exc:
                error((*loc, k), str(exc))
        return tuple(out)

    for name, pats in spec.words.items():
        words[name] = terms(pats, ("words", name), neg)
    out = OfferRuleSet(lang, path, spec.labels, spec.missing_labels, spec.next_steps.strip(),
                       legal_forms=tuple(spec.legal_forms))
    out.flags = _rules(spec.flags, "flags", terms, neg, lang, lines, error)
    out.present = _rules(spec.present, "present", terms, neg, lang, lines, error)
    out.lists["vacancy"] = {"vacancy": terms(spec.vacancy, ("vacancy",), None)}
    out.lists["salary"] = {"salary": terms(spec.salary, ("salary",), None)}
    out.lists["messenger"] = {"messenger": terms(spec.messenger, ("messenger",), None)}
    out.lists["other_contact"] = {"other_contact": terms(spec.other_contact, ("other_contact",), neg)}
    for kind in LIST_KINDS:
        out.lists[kind] = {name: terms(pats, (kind, name), None)
                           for name, pats in getattr(spec, kind).items()}
    for fid in (*FLAG_IDS, *(r.id for r in out.flags)):
        if fid not in spec.labels:
            error(("labels",), f"labels: no text for the flag {fid!r}")
    for mid in MISSING_IDS:
        if mid not in spec.missing_labels:
            error(("missing_labels",), f"missing_labels: no text for {mid!r}")
    for rule in out.present:
        if rule.id not in MISSING_IDS:
            error(("present",), f"present: unknown item {rule.id!r} (one of {', '.join(MISSING_IDS)})")
    for fid in COMPUTED_FLAGS:
        if any(r.id == fid for r in out.flags):
            error(("flags",), f"flags: {fid!r} is worked out by the checker, not written as a rule")
    if not spec.next_steps.strip():
        error(("next_steps",), "next_steps: the reply needs what to check next")
    return out, problems


def _safe(text: str) -> tuple[Any, ...]:
    try:
        return compile_pattern(text)
    except PatternError:
        return ()


def _rules(raws: list[dict[str, Any]], key: str, terms: Any, neg: Negation, lang: Lang,
           lines: dict[Loc, int], error: Any) -> list[OfferRule]:
    out: list[OfferRule] = []
    for i, raw in enumerate(raws):  # several rules may raise the same flag
        base: Loc = (key, i)
        try:
            spec = RuleSpec.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors():
                error((*base, *e["loc"]), f"{key}[{i}].{'.'.join(map(str, e['loc']))}: {e['msg']}")
            continue
        groups: list[tuple[Term, ...]] = []
        if spec.any is not None:
            groups.append(terms(spec.any, (*base, "any"), neg))
        else:
            for j, entry in enumerate(spec.all or []):
                groups.append(terms(entry if isinstance(entry, list) else [entry], (*base, "all", j), neg))
        if not all(groups):
            error(base, f"{key}: {spec.id!r} has an empty part and is left out")
            continue
        out.append(OfferRule(spec.id, lang, tuple(groups), spec.within,
                             terms(spec.unless, (*base, "unless"), None), _line(lines, base)))
    return out
