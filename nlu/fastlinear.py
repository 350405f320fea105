"""Fast single-message inference for a trained scikit-learn TF-IDF + linear model.

scikit-learn is built for batches: one short message through a FeatureUnion of TF-IDF
vectorizers and a calibrated linear model costs milliseconds of input validation and sparse
matrix assembly, for a few microseconds of arithmetic. The bot parses one message at a time,
so after training (always scikit-learn's) the fitted pipeline is "compiled" into its plain
arithmetic: the vectorizers' own analyzers and vocabularies, the IDF weights, the coefficient
matrix, and softmax. `compile_pipeline` checks the result against the pipeline's own
`predict_proba` on sample texts and refuses to return a model that disagrees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC


class CompileError(ValueError):
    """The pipeline has a shape this module does not reproduce exactly."""


@dataclass
class _Block:
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear: bool
    offset: int

    def counts(self, text: str) -> Counter[str]:
        """The analyzer's terms of `text` with their counts (vocabulary or not)."""
        return Counter(self.analyzer(text))

    def features(self, text: str) -> tuple[list[int], list[float]]:
        return self.vector(self.counts(text))

    def vector(self, counts: Counter[str]) -> tuple[list[int], list[float]]:
        """The L2-normalised TF-IDF row of a text's term counts (columns within the block
        plus the block's offset)."""
        # Counting every term in C and looking up the distinct ones is several times faster
        # than filtering each term against the vocabulary before counting.
        get = self.vocabulary.get
        found = [(col, n) for term, n in counts.items() if (col := get(term)) is not None]
        if not found:
            return [], []
        cols = np.fromiter((c for c, _ in found), dtype=np.intp, count=len(found))
        tf = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
        if self.sublinear:
            tf = 1.0 + np.log(tf)
        vals = tf * self.idf[cols]
        norm = float(np.sqrt(vals @ vals))
        if norm > 0.0:
            vals /= norm
        return (cols + self.offset).tolist(), vals.tolist()


@dataclass
class CompiledLinear:
    """softmax(beta * (x . W + b)) over TF-IDF features x, for one text at a time."""

    blocks: list[_Block]
    weights: np.ndarray  # (n_features, n_rows), rows of the model's coef_ as columns
    intercept: np.ndarray  # (n_rows,)
    beta: float
    classes: tuple[str, ...]
    binary: str  # how a one-row model becomes two logits: "sym" (-s, s) or "zero" (0, s)

    def proba(self, text: str) -> np.ndarray:
        return self.proba_counts([block.counts(text) for block in self.blocks])

    def proba_counts(self, counts: list[Counter[str]]) -> np.ndarray:
        """`proba` from each block's term counts: a message's counts are the sum of its
        sentences', so a caller scoring both analyses every sentence only once."""
        return self.proba_row(self.row(counts))

    def row(self, counts: list[Counter[str]]) -> tuple[list[int], list[float]]:
        """The feature row (columns, values) of each block's term counts, concatenated."""
        cols: list[int] = []
        vals: list[float] = []
        for block, block_counts in zip(self.blocks, counts, strict=True):
            c, v = block.vector(block_counts)
            cols += c
            vals += v
        return cols, vals

    def proba_row(self, row: tuple[list[int], list[float]]) -> np.ndarray:
        cols, vals = row
        scores = self.intercept.copy()
        if cols:
            scores += np.asarray(vals) @ self.weights[cols]
        if scores.shape[0] == 1:
            s = float(scores[0])
            scores = np.array([-s, s]) if self.binary == "sym" else np.array([0.0, s])
        z = self.beta * scores
        z -= z.max()
        e = np.exp(z)
        return np.asarray(e / e.sum())


def _blocks(features: Any) -> list[_Block]:
    vectorizers = [t for _, t in features.transformer_list] if isinstance(features, FeatureUnion) else [features]
    if isinstance(features, FeatureUnion) and features.transformer_weights:
        raise CompileError("transformer weights are not supported")
    blocks: list[_Block] = []
    offset = 0
    for vec in vectorizers:
        if not isinstance(vec, TfidfVectorizer) or vec.norm != "l2" or not vec.use_idf or vec.binary:
            raise CompileError(f"unsupported vectorizer {vec!r}")
        blocks.append(_Block(vec.build_analyzer(), vec.vocabulary_, vec.idf_, vec.sublinear_tf, offset))
        offset += len(vec.vocabulary_)
    return blocks


def compile_pipeline(pipeline: Pipeline, check_texts: Sequence[str] = ()) -> CompiledLinear:
    """The fast equivalent of a fitted `Pipeline([features, model])`, where features is a
    TfidfVectorizer or a FeatureUnion of them, and model a multinomial LogisticRegression or a
    CalibratedClassifierCV(LinearSVC, method="temperature", ensemble=False)."""
    features, model = pipeline.steps[0][1], pipeline.steps[-1][1]
    blocks = _blocks(features)
    if isinstance(model, LogisticRegression):
        coef, intercept, beta, binary = model.coef_, model.intercept_, 1.0, "zero"
    elif isinstance(model, CalibratedClassifierCV):
        if model.method != "temperature" or len(model.calibrated_classifiers_) != 1:
            raise CompileError("want method='temperature', ensemble=False")
        inner = model.calibrated_classifiers_[0]
        if not isinstance(inner.estimator, LinearSVC):
            raise CompileError("the calibrated estimator must be a LinearSVC")
        coef, intercept = inner.estimator.coef_, inner.estimator.intercept_
        beta, binary = float(inner.calibrators[0].beta_), "sym"
    else:
        raise CompileError(f"unsupported model {type(model).__name__}")
    compiled = CompiledLinear(
        blocks,
        np.ascontiguousarray(np.asarray(coef, dtype=np.float64).T),
        np.asarray(intercept, dtype=np.float64).copy(),
        beta,
        tuple(str(c) for c in model.classes_),
        binary,
    )
    if check_texts:
        want = pipeline.predict_proba(list(check_texts))
        got = np.vstack([compiled.proba(t) for t in check_texts])
        if not np.allclose(want, got, atol=1e-6):
            raise CompileError(f"compiled model disagrees by {float(np.abs(want - got).max()):.2e}")
    return compiled
