"""Print per-flag precision and recall of the offer checker, per language:

    .venv/bin/python -m nlu.offers.report [--content content] [--ads tests/nlu/offers] [--errors]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlu.languages import LANGS
from nlu.offers.checker import OfferChecker
from nlu.offers.evaluate import evaluate, load_ads, render
from nlu.offers.spec import FLAG_IDS

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--ads", type=Path, default=ROOT / "tests" / "nlu" / "offers")
    parser.add_argument("--errors", action="store_true", help="also print every ad read differently")
    args = parser.parse_args(argv)
    checker = OfferChecker.load(args.content)
    for problem in checker.problems:
        print(problem, file=sys.stderr)
    reports = [evaluate(checker, load_ads(args.ads / f"ads_{lang}.yaml"), lang, FLAG_IDS) for lang in LANGS
               if (args.ads / f"ads_{lang}.yaml").is_file()]
    print(render(reports))
    if args.errors:
        for r in reports:
            for text, missed, extra in r.errors:
                print(f"\n[{r.lang}] missed {sorted(missed)} extra {sorted(extra)}\n{text.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
