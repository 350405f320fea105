"""What retraining with the labelled messages would change: cross-validation per language
before and after (the same folds and seed), and which messages' answers flip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu.embedded import EmbeddedModel, train
from nlu.evaluate import embedded_predictor, evaluate
from nlu.inbox.export import Labelled, intent_of, one_line
from nlu.languages import Lang, is_lang
from nlu.training_data import Example, load_training_data


@dataclass(frozen=True)
class Flip:
    text: str
    lang: str
    before: str
    after: str
    label: str


@dataclass
class Review:
    before: dict[str, float] = field(default_factory=dict)  # lang -> macro-F1
    after: dict[str, float] = field(default_factory=dict)
    flips: list[Flip] = field(default_factory=list)
    added: int = 0

    def dropped(self, tolerance: float = 0.0) -> list[str]:
        """Languages whose cross-validated macro-F1 fell by more than `tolerance`."""
        return [lang for lang, f1 in self.before.items() if self.after.get(lang, 0.0) < f1 - tolerance]


def as_examples(items: Sequence[Labelled], data_dir: Path) -> list[Example]:
    out = []
    for i in items:
        target = intent_of(i)
        if target is None or target[0] != "data" or not is_lang(i.lang):
            continue
        lang: Lang = i.lang
        out.append(Example(one_line(i.text), target[1], lang, data_dir / lang / "inbox.yml", 0))
    return out


def _cv(examples: Sequence[Example], folds: int) -> dict[str, float]:
    report = evaluate(examples, embedded_predictor, "embedded", folds)
    return {lang: rep.macro_f1 for lang, rep in report.languages.items()}


def _top(model: EmbeddedModel, text: str) -> str:
    ranking = model.rank(text)
    return ranking[0][0] if ranking else "out_of_scope"


def review(items: Sequence[Labelled], data_dir: Path, *, folds: int = 5,
           earlier: Sequence[Labelled] = ()) -> Review:
    """`items`: the labels to add; `earlier`: messages whose answers are compared (default:
    the same items)."""
    base = list(load_training_data(data_dir).examples)
    new = as_examples(items, data_dir)
    out = Review(added=len(new))
    out.before = _cv(base, folds)
    out.after = _cv(base + new, folds) if new else dict(out.before)
    before_model, after_model = train(base), train(base + new) if new else None
    for i in earlier or items:
        if after_model is None:
            break
        text = one_line(i.text)
        b, a = _top(before_model, text), _top(after_model, text)
        if a != b:
            out.flips.append(Flip(text, i.lang, b, a, (intent_of(i) or ("", ""))[1]))
    return out
