"""A terminal for `hamroh chat` tests: input comes from a script, output is kept as text.

A step is a line to type, a function of what was printed so far (to press a button by its
label, as a person would), or an exception to raise (a terminal that cannot decode its input).
Ctrl-D (EOFError) after the last step."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from rich.console import Console

Step = str | Callable[[str], str] | BaseException


class ScriptedConsole(Console):
    def __init__(self, script: list[Step]) -> None:
        super().__init__(file=io.StringIO(), width=200, color_system=None)
        self.script = list(script)

    @property
    def output(self) -> str:
        assert isinstance(self.file, io.StringIO)
        return self.file.getvalue()

    def input(self, *args: Any, **kwargs: Any) -> str:
        if not self.script:
            raise EOFError
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step(self.output) if callable(step) else step


def press(label: str) -> Callable[[str], str]:
    """The number of the last button shown with this label."""
    def choose(output: str) -> str:
        numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}\n", output)
        assert numbers, f"no button {label!r} in:\n{output[-1500:]}"
        return numbers[-1]
    return choose
