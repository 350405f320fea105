"""YAML with line numbers, so every problem can be reported as `file:line: message`.

The loader itself is shared with the risk rules, the routing file and the training data:
see `nlu/yamlsafe.py` (size, depth and alias limits; every failure is a `YamlError`).
"""

from __future__ import annotations

from pathlib import Path

from nlu.yamlsafe import DEFAULT_LIMITS, Limits, Loc, YamlDoc, YamlError, load_file

__all__ = ["Loc", "YamlDoc", "YamlError", "load_yaml"]


def load_yaml(path: Path, limits: Limits = DEFAULT_LIMITS) -> YamlDoc:
    """Parse one content file; raise YamlError with the line of any problem (FileNotFoundError
    when it is missing)."""
    return load_file(path, limits)
