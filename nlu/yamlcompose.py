"""PyYAML's composer with budgets: nesting depth, aliases, and what the aliases expand to.

Used by `nlu/yamlsafe.py`, the project's one YAML loader. The events come from libyaml (C,
fast on big files) when it is installed; a file libyaml refuses is parsed again with PyYAML's
pure-Python parser, whose messages editors already know ("expected <block end>, but found
..."), as long as it is small enough to do that quickly.

An alias (`*name`) costs what it would cost written out: `anchor_cost` keeps, per anchor,
the values and characters of its node (itself counting the aliases inside it), so a "billion
laughs" file is refused at the first alias that takes the total over the budget, after a few
hundred events, without anything being expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

try:
    from yaml._yaml import CParser

    HAVE_LIBYAML = True
except ImportError:  # PyYAML built without libyaml: the pure-Python parser does everything
    HAVE_LIBYAML = False

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 50
MAX_ALIASES = 100
MAX_VALUES = 25_000  # the largest project file (ru risk rules) has about 2 300
PYTHON_REPARSE_BYTES = 256 * 1024  # a broken file up to this size gets PyYAML's message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_aliases: int = MAX_ALIASES
    max_values: int = MAX_VALUES  # values after expanding aliases, as if written out
    max_chars: int = 4 * MAX_BYTES  # characters of scalars after expanding aliases


DEFAULT_LIMITS = Limits()
# Training data (Rasa format) never needs anchors: an alias there is a mistake or an attack.
NO_ALIASES = Limits(max_aliases=0)


class Refused(Exception):
    """Over a budget: `line` is 1-based."""

    def __init__(self, mark: Any, message: str) -> None:  # a PyYAML/libyaml mark: 0-based `.line`
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else 1
        self.message = message


class _Budget:
    """The budget-keeping `compose_node`, mixed in before PyYAML's Composer."""

    limits: Limits
    depth: int
    aliases: int
    values: int
    chars: int

    def _start_budget(self, limits: Limits) -> None:
        self.limits = limits
        self.depth = self.aliases = self.values = self.chars = 0
        self.open_anchors: set[str] = set()
        self.anchor_cost: dict[str, tuple[int, int]] = {}  # anchor -> (values, chars) written out

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            self._alias(event)
            return super().compose_node(parent, index)  # type: ignore[misc]
        if self.depth >= self.limits.max_depth:
            raise Refused(event.start_mark, f"nested more than {self.limits.max_depth} levels deep: "
                                            "flatten the structure")
        anchor = getattr(event, "anchor", None)
        before = (self.values, self.chars)
        self._count(1, len(event.value) if isinstance(event, yaml.ScalarEvent) else 0, event.start_mark)
        if anchor is not None:
            self.open_anchors.add(anchor)
        self.depth += 1
        try:
            node = super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self.depth -= 1
        if anchor is not None:
            self.open_anchors.discard(anchor)
            self.anchor_cost[anchor] = (self.values - before[0], self.chars - before[1])
        return node

    def _alias(self, event: yaml.AliasEvent) -> None:
        self.aliases += 1
        name = event.anchor
        if self.aliases > self.limits.max_aliases:
            if self.limits.max_aliases == 0:
                message = f"aliases (*{name}) are not allowed in this file: write the value out"
            else:
                message = (f"alias *{name} is one more than the {self.limits.max_aliases} aliases "
                           "allowed in a file: write the values out")
            raise Refused(event.start_mark, message)
        if name in self.open_anchors:
            raise Refused(event.start_mark, f"alias *{name} refers to the value that contains it")
        values, chars = self.anchor_cost.get(name or "", (0, 0))  # an undefined one: PyYAML says so
        self._count(values, chars, event.start_mark, alias=name)

    def _count(self, values: int, chars: int, mark: Any, alias: str | None = None) -> None:
        self.values += values
        self.chars += chars
        how = f" at alias *{alias}" if alias is not None else ""
        if self.values > self.limits.max_values:
            raise Refused(mark, f"the file grows to more than {self.limits.max_values} values{how}: "
                                "split it or write fewer aliases")
        if self.chars > self.limits.max_chars:
            raise Refused(mark, f"the file grows to more than {self.limits.max_chars} characters{how}: "
                                "split it or write fewer aliases")


class _PyComposer(_Budget, yaml.SafeLoader):
    def __init__(self, text: str, limits: Limits) -> None:
        self._start_budget(limits)
        yaml.SafeLoader.__init__(self, text)

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # The scanner looks ahead over every open `[`/`{` (each may start a key): cut deep flow
        # nesting here, before that look-ahead turns quadratic.
        if self.flow_level >= self.limits.max_depth:
            raise Refused(self.get_mark(), f"nested more than {self.limits.max_depth} levels deep: "
                                           "flatten the structure")
        super().fetch_flow_collection_start(TokenClass)


if HAVE_LIBYAML:

    class _CComposer(_Budget, Composer, CParser, Resolver):
        def __init__(self, text: str, limits: Limits) -> None:
            self._start_budget(limits)
            CParser.__init__(self, text)
            Composer.__init__(self)
            Resolver.__init__(self)


def _compose_with(cls: Any, text: str, limits: Limits) -> yaml.Node | None:
    loader = None
    try:
        loader = cls(text, limits)  # the reader checks for characters YAML does not allow here
        return loader.get_single_node()
    finally:
        if loader is not None and hasattr(loader, "dispose"):
            loader.dispose()


def compose(text: str, limits: Limits) -> yaml.Node | None:
    """The node of the one document in `text`.

    Raises Refused, or PyYAML's errors (MarkedYAMLError, ReaderError) as PyYAML words them."""
    if not HAVE_LIBYAML:
        return _compose_with(_PyComposer, text, limits)
    try:
        return _compose_with(_CComposer, text, limits)
    except yaml.MarkedYAMLError as c_error:
        if len(text) > PYTHON_REPARSE_BYTES:
            raise
        try:
            _compose_with(_PyComposer, text, limits)
        except (yaml.YAMLError, Refused):
            raise
        raise c_error from None  # the parsers disagree: libyaml's word stands
