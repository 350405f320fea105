"""The compiled single-message path gives exactly scikit-learn's probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlu.embedded import build_pipeline
from nlu.fastlinear import CompileError, compile_pipeline

TEXTS = ["salom aka", "privet brat", "patent kerak", "patent nuzhen", "ish haki", "zarplata net"] * 3
LABELS = ["a", "b", "c", "c", "a", "b"] * 3
PROBES = ["salom", "patent", "zarplata patent", "", "qqq", "privet salom aka patent"]


def _features() -> FeatureUnion:
    return FeatureUnion(
        [("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)), ("w", TfidfVectorizer())]
    )


@pytest.mark.parametrize(
    "model",
    [
        LogisticRegression(C=10),
        CalibratedClassifierCV(LinearSVC(), cv=3, method="temperature", ensemble=False),
    ],
    ids=["logreg", "svm-temperature"],
)
@pytest.mark.parametrize("labels", [LABELS, [x if x == "a" else "b" for x in LABELS]], ids=["3-class", "binary"])
def test_same_probabilities(model: object, labels: list[str]) -> None:
    pipeline = Pipeline([("f", _features()), ("m", model)]).fit(TEXTS, labels)
    compiled = compile_pipeline(pipeline, TEXTS)
    want = pipeline.predict_proba(PROBES)
    got = np.vstack([compiled.proba(t) for t in PROBES])
    np.testing.assert_allclose(got, want, atol=1e-9)
    assert compiled.classes == tuple(pipeline.classes_)


def test_the_project_pipeline_compiles() -> None:
    pipeline = build_pipeline(folds=3).fit(TEXTS, LABELS)
    compiled = compile_pipeline(pipeline, PROBES)
    np.testing.assert_allclose(np.vstack([compiled.proba(t) for t in PROBES]), pipeline.predict_proba(PROBES))


@pytest.mark.parametrize(
    "pipeline",
    [
        Pipeline([("f", _features()), ("m", MultinomialNB())]),
        Pipeline([("f", _features()), ("m", CalibratedClassifierCV(LinearSVC(), cv=3))]),
        Pipeline([("f", TfidfVectorizer(norm="l1")), ("m", LogisticRegression())]),
    ],
    ids=["naive-bayes", "sigmoid-calibration", "l1-norm"],
)
def test_unsupported_shapes_are_refused(pipeline: Pipeline) -> None:
    pipeline.fit(TEXTS, LABELS)
    with pytest.raises(CompileError):
        compile_pipeline(pipeline, TEXTS)
