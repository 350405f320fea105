"""Load and validate the editors' risk rules (`content/<folder>/risk/rules.yaml`).

Every problem is returned as a `Problem` with the file and line, never raised, so an editor
sees all of them at once. A rule with a problem is left out; the file's other rules still
work, because a typo in one rule must not switch off danger detection.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from nlu.languages import LANGS, Lang, content_folder
from nlu.normalize import normalize
from nlu.problems import Problem
from nlu.risk.model import Indicator, RiskLevel
from nlu.risk.patterns import Negation, PatternError, Term, WordPat, compile_pattern, make_term
from nlu.risk.spec import FileSpec, NegationSpec, RuleSpec
from nlu.yamlsafe import Loc, YamlError, load_file


@dataclass(frozen=True)
class Rule:
    id: str  # qualified with the language: "ru:passport_taken"
    lang: Lang
    indicator: Indicator
    level: RiskLevel
    groups: tuple[tuple[Term, ...], ...]  # one group for `any:`, one per entry of `all:`
    within: int
    unless: tuple[Term, ...]
    path: Path
    line: int
    # Counts even inside a question frame: "если уйдёшь, убью" is a threat, and "что делать,
    # если не хочу жить" is a cry for help.
    ignore_questions: bool = False
    unless_near: tuple[Term, ...] = ()
    near: int = 3
    certain: bool = False  # never doubted by the situation model (see RISK_RULES.md)


@dataclass(frozen=True)
class RuleSet:
    """One language's rules file, compiled."""

    lang: Lang
    path: Path
    rules: tuple[Rule, ...] = ()
    questions: tuple[Term, ...] = ()
    question_ends: tuple[Term, ...] = ()
    conditions: tuple[Term, ...] = ()
    reports: tuple[Term, ...] = ()
    third_party: tuple[Term, ...] = ()
    reassurance: tuple[Term, ...] = ()
    # Rules left out because of a problem, repaired as far as possible (closest indicator,
    # word list or level). Never used to assess a message: only to tell an editor which
    # failing cases follow from a refused rule.
    refused: tuple[Rule, ...] = ()


def rules_path(content_dir: Path, lang: Lang) -> Path:
    return content_dir / content_folder(lang) / "risk" / "rules.yaml"


T = TypeVar("T")


def load_per_language(path_of: Callable[[Lang], Path],
                      load_one: Callable[[Path, Lang, Iterator[int]], tuple[T | None, list[Problem]]],
                      what: str) -> tuple[list[T], list[Problem]]:
    """One editors' file per language, each loaded by `load_one` with ids shared across the
    languages; a missing file is an error (that language gets nothing)."""
    ids = itertools.count()
    sets: list[T] = []
    problems: list[Problem] = []
    for lang in LANGS:
        path = path_of(lang)
        if not path.is_file():
            problems.append(Problem(path, 1, f"{what} file is missing"))
            continue
        found, more = load_one(path, lang, ids)
        problems += more
        if found is not None:
            sets.append(found)
    return sets, problems


def load_all(content_dir: Path) -> tuple[list[RuleSet], list[Problem]]:
    """Every language's rules; a missing file is an error (that language gets no rules)."""
    return load_per_language(lambda lang: rules_path(content_dir, lang), load_rules, "risk rules")


def load_rules(path: Path, lang: Lang, ids: Iterator[int]) -> tuple[RuleSet | None, list[Problem]]:
    try:
        data, lines = load_yaml_lines(path)
    except ValueError as exc:
        return None, [Problem(path, exc.args[1] if len(exc.args) > 1 else 1, str(exc.args[0]))]
    loader = _Loader(path, lang, lines, ids)
    return loader.load(data), loader.problems


class _Loader:
    def __init__(self, path: Path, lang: Lang, lines: dict[Loc, int], ids: Iterator[int]) -> None:
        self.path, self.lang, self.lines, self.ids = path, lang, lines, ids
        self.problems: list[Problem] = []
        self.words: dict[str, tuple[Term, ...]] = {}
        self.used: set[str] = set()
        self.refused: list[Rule] = []

    def line(self, loc: Loc) -> int:
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def error(self, loc: Loc, message: str, severity: Literal["error", "warning"] = "error") -> None:
        self.problems.append(Problem(self.path, self.line(loc), message, severity))

    def validation(self, exc: ValidationError, base: Loc) -> None:
        for err in exc.errors():
            loc: Loc = (*base, *err["loc"])
            field = ".".join(str(p) for p in loc)
            if err["type"] == "enum" and err["loc"][-1:] == ("indicator",):
                msg = f"unknown indicator {err['input']!r} (one of: {', '.join(i.value for i in Indicator)})"
            elif err["loc"][-1:] == ("level",):
                msg = f"bad level {err['input']!r}: use elevated or high"
            else:
                msg = f"{field}: {err['msg']}"
            self.error(loc, msg)

    def load(self, data: Any) -> RuleSet | None:
        if not isinstance(data, dict):
            self.error((), "the rules file must be a mapping with `rules:`")
            return None
        try:
            spec = FileSpec.model_validate(data)
        except ValidationError as exc:
            self.validation(exc, ())
            return None
        negation = self.negation(spec.negation)
        skip = {s.removeprefix("@") for s in spec.negation.skip}
        for k, name in enumerate(sorted(skip - set(spec.words))):
            self.error(("negation", "skip", k), f"negation.skip: unknown word list @{name}")
        for name, patterns in spec.words.items():
            neg = None if name in skip else negation
            self.words[name] = self.terms(patterns, ("words", name), neg)
        rules = [r for i, raw in enumerate(spec.rules) if (r := self.rule(raw, i, negation))]
        seen: set[str] = set()
        for i, rule in enumerate(rules):
            if rule.id in seen:
                self.error(("rules", i), f"duplicate rule id {rule.id.split(':', 1)[1]!r}")
            seen.add(rule.id)
        for name in sorted(set(self.words) - self.used):
            self.error(("words", name), f"word list @{name} is not used by any rule", "warning")
        # Reassurance can be negated: "паспорт так и не вернули" is no "паспорт вернули".
        return RuleSet(self.lang, self.path, tuple(rules),
                       self.terms(spec.questions, ("questions",), None),
                       self.terms(spec.question_ends, ("question_ends",), None),
                       self.terms(spec.conditions, ("conditions",), None),
                       self.terms(spec.reports, ("reports",), None),
                       self.terms(spec.third_party, ("third_party",), None),
                       self.terms(spec.reassurance, ("reassurance",), negation),
                       tuple(self.refused))

    def negation(self, spec: NegationSpec) -> Negation:
        def pats(items: list[str], key: str) -> tuple[WordPat, ...]:
            out: list[WordPat] = []
            for k, text in enumerate(items):
                try:
                    out.extend(compile_pattern(text))
                except PatternError as exc:
                    self.error(("negation", key, k), f"negation.{key}: {exc}")
            return tuple(out)

        prefixes = tuple(p for p in (normalize(x) for x in spec.prefixes) if p.isalpha())
        if len(prefixes) != len(spec.prefixes):
            self.error(("negation", "prefixes"), "negation.prefixes: each must be one word part")
        return Negation(pats(spec.before, "before"), pats(spec.after, "after"),
                        pats(spec.forms, "forms"), spec.window, prefixes)

    def terms(self, patterns: list[str], loc: Loc, negation: Negation | None, *,
              lenient: bool = False) -> tuple[Term, ...]:
        """The compiled patterns; `lenient` (for repairing a refused rule) reports nothing,
        skips bad patterns and reads an unknown word list as the closest known one."""
        out: list[Term] = []
        for k, text in enumerate(patterns):
            if text.startswith("@"):
                name = text[1:]
                if name not in self.words and lenient:
                    name = next(iter(difflib.get_close_matches(name, list(self.words), 1, 0.6)), "")
                if name not in self.words:
                    if not lenient:
                        self.error((*loc, k), f"unknown word list {text!r} (define it under `words:`)")
                    continue
                self.used.add(name)
                out.extend(self.words[name])
                continue
            try:
                out.append(make_term(next(self.ids), text, negation))
            except PatternError as exc:
                if not lenient:
                    self.error((*loc, k), str(exc))
        return tuple(out)

    def rule(self, raw: dict[str, Any], i: int, negation: Negation) -> Rule | None:
        base: Loc = ("rules", i)
        known = len(self.problems)
        try:
            spec = RuleSpec.model_validate(raw)
        except ValidationError as exc:
            self.validation(exc, base)
            self.repair(raw, i, negation, known)
            return None
        built = self.build(spec, base, negation)
        if built is None:
            if len(self.problems) == known:  # not already explained by a bad pattern
                self.error(base, f"rule {spec.id!r} has an empty part and is left out")
            self.repair(raw, i, negation, known)
        return built

    def build(self, spec: RuleSpec, base: Loc, negation: Negation, *,
              lenient: bool = False) -> Rule | None:
        neg = negation if spec.negatable else None
        groups: list[tuple[Term, ...]] = []
        if spec.any is not None:
            groups.append(self.terms(spec.any, (*base, "any"), neg, lenient=lenient))
        else:
            for j, entry in enumerate(spec.all or []):
                items = entry if isinstance(entry, list) else [entry]
                groups.append(self.terms(items, (*base, "all", j), neg, lenient=lenient))
        if not all(groups):
            return None
        return Rule(f"{self.lang}:{spec.id}", self.lang, spec.indicator, RiskLevel(spec.level),
                    tuple(groups), spec.within,
                    self.terms(spec.unless, (*base, "unless"), None, lenient=lenient),
                    self.path, self.line(base), spec.ignore_questions,
                    self.terms(spec.unless_near, (*base, "unless_near"), None, lenient=lenient),
                    spec.near, spec.certain)

    def repair(self, raw: Any, i: int, negation: Negation, known: int) -> None:
        """Keep a best-effort copy of a refused rule (see `RuleSet.refused`), its `line` that
        of its last error (`self.problems[known:]`), where the failures it causes are told."""
        line = max((p.line for p in self.problems[known:]), default=self.line(("rules", i)))
        if not isinstance(raw, dict):
            return
        fixed = {k: v for k, v in raw.items() if k in RuleSpec.model_fields}
        rule_id = re.sub(r"[^a-z0-9_]", "_", str(fixed.get("id") or f"rule_{i + 1}").lower())
        fixed["id"] = rule_id or f"rule_{i + 1}"
        indicators = [x.value for x in Indicator]
        if fixed.get("indicator") not in indicators:
            close = difflib.get_close_matches(str(fixed.get("indicator")), indicators, 1, 0.0)
            fixed["indicator"] = close[0] if close else indicators[0]
        if fixed.get("level") not in ("elevated", "high"):
            fixed["level"] = "high"
        try:
            spec = RuleSpec.model_validate(fixed)
        except ValidationError:
            return
        before = len(self.problems)
        built = self.build(spec, ("rules", i), negation, lenient=True)
        del self.problems[before:]
        if built is not None:
            self.refused.append(dataclasses.replace(built, line=line))


def load_yaml_lines(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML file keeping the 1-based line of every node; ValueError(message, line).

    Patterns are text: a bare number or yes/no in a list is still a pattern, so every scalar
    but null is kept as text. The loader (nlu/yamlsafe.py) bounds size, depth and aliases."""
    try:
        doc = load_file(path, text_scalars=True)
    except YamlError as exc:
        raise ValueError(exc.message, exc.line) from exc
    except OSError as exc:
        raise ValueError(f"cannot read the file: {exc.strerror or exc}", 1) from exc
    return doc.data, doc.lines
