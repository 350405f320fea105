"""`hamroh content check` for the offer checker: the rules and settings load without problems,
and every example in `content/<folder>/offers/cases.yaml` is still read as the editors wrote:

    cases:
      - text: |                       # the ad, as people forward it
          Требуются грузчики ...
        flags: [no_company, messenger_only]   # exactly these red flags (none: [])
        offer: true                   # optional: false = must not be read as an offer
        forwarded: false              # optional: read as a forwarded message
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlu.languages import LANGS, content_folder
from nlu.offers.checker import OfferChecker
from nlu.problems import Problem
from nlu.risk.rules import load_yaml_lines


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)
    flags: list[str] = []
    offer: bool = True
    forwarded: bool = False


class _Cases(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cases: list[_Case] = []


def cases_path(root: Path, folder: str) -> Path:
    return root / folder / "offers" / "cases.yaml"


def check_offers(root: Path) -> list[Problem]:
    checker = OfferChecker.load(root)
    problems = list(checker.problems)
    for lang in LANGS:
        path = cases_path(root, content_folder(lang))
        if not path.is_file():
            problems.append(Problem(path, 1, "offer cases file is missing", "warning"))
            continue
        try:
            data, lines = load_yaml_lines(path)
            spec = _Cases.model_validate(data or {})
        except ValueError as exc:
            problems.append(Problem(path, exc.args[1] if len(exc.args) > 1 else 1, str(exc.args[0])))
            continue
        except ValidationError as exc:
            problems += [Problem(path, 1, f"{'.'.join(map(str, e['loc']))}: {e['msg']}") for e in exc.errors()]
            continue
        for i, case in enumerate(spec.cases):
            reading = checker.read(case.text, forwarded=case.forwarded)
            line = lines.get(("cases", i), 1)
            if reading.is_offer != case.offer:
                problems.append(Problem(path, line, f"case {i + 1}: read as {'an' if reading.is_offer else 'no'} "
                                        f"offer (signals: {', '.join(reading.signals) or 'none'})"))
                continue
            got, want = set(reading.flag_ids), set(case.flags)
            if got != want:
                problems.append(Problem(path, line, f"case {i + 1}: flags missed {sorted(want - got)}, "
                                        f"extra {sorted(got - want)}"))
    return problems
