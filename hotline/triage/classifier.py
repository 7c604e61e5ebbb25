"""The triage model (pure: no database): text in, category, type and urgency out.

Features are TF-IDF weighted characters and character bigrams of the normalised text: Chinese has
no spaces, and bigrams carry most words without a dictionary, survive typos and need no segmenter
at run time. (Trigrams and jieba words were tried and generalised worse to unseen phrasings; see
bench/README.md.) Each of the three questions is a linear classifier (a smoothed SVM trained by
stochastic gradient descent) whose scores are calibrated into probabilities on a held-back tenth of
the examples (Platt scaling), so a confidence of 0.8 means right about eight times in ten.
Traditional characters are folded to simplified ones first.
"""

import io
import pickle
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import SGDClassifier

from .variants import to_simplified

FORMAT = 1  # bumped when the stored form changes; older stored models are retrained
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Width-fold, fold traditional to simplified characters, lowercase, collapse digit runs."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    return _DIGITS.sub("0", _SPACE.sub(" ", text)).strip()


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    order_type: str = ""
    urgency: str = ""


@dataclass(frozen=True)
class Guess:
    """One answer with its probability, and the runners-up (best first)."""

    label: str
    confidence: float
    top: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Prediction:
    category: Guess
    order_type: Guess
    urgency: Guess


class CalibratedHead:
    """A calibrated head's arithmetic in plain numpy: the probabilities of
    ``CalibratedClassifierCV.predict_proba`` (sigmoid method) to the last bit, without the input
    checks it runs on every call, which took four fifths of a request's triage time. Built from
    the fitted head when a model is loaded; never stored."""

    def __init__(self, head: CalibratedClassifierCV):
        if head.method != "sigmoid":
            raise ValueError(f"only sigmoid calibration is compiled, not {head.method}")
        self.classes_ = head.classes_
        self._parts = []
        for calibrated in head.calibrated_classifiers_:
            svm = (
                calibrated.estimator.estimator
                if isinstance(calibrated.estimator, FrozenEstimator)
                else calibrated.estimator
            )
            columns = np.searchsorted(
                calibrated.classes, svm.classes_
            )  # LabelEncoder's order: sorted
            if len(calibrated.classes) == 2:  # one score, for the second class
                columns = columns[1:]
            slopes = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
            offsets = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
            weights = np.ascontiguousarray(
                np.asarray(svm.coef_).T
            )  # (not a transposed view: copied per call)
            self._parts.append((weights, np.asarray(svm.intercept_), columns, slopes, offsets))

    def predict_proba(self, features: csr_matrix) -> np.ndarray:
        n, classes = features.shape[0], len(self.classes_)
        mean = np.zeros((n, classes))
        for weights, intercept, columns, slopes, offsets in self._parts:
            scores = np.asarray(features @ weights) + intercept
            proba = np.zeros((n, classes))
            proba[:, columns] = expit(-(slopes * scores[:, : len(columns)] + offsets))
            if classes == 2:
                proba[:, 0] = 1.0 - proba[:, 1]
            else:
                total = proba.sum(axis=1)[:, np.newaxis]
                proba = np.divide(
                    proba, total, out=np.full_like(proba, 1 / classes), where=total != 0
                )
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        return mean / len(self._parts)


class OnlyAnswer:
    """A head for a question that the training data answers one way only."""

    def __init__(self, label: str):
        self.classes_ = np.array([label])

    def predict_proba(self, features: csr_matrix) -> np.ndarray:
        return np.ones((features.shape[0], 1))


@dataclass
class TriageModel:
    vectorizer: TfidfVectorizer
    heads: dict[str, "CalibratedClassifierCV | OnlyAnswer"]  # "category", "order_type", "urgency"
    info: dict = field(default_factory=dict)
    format: int = FORMAT

    def predict(self, texts: Sequence[str], top: int = 3) -> list[Prediction]:
        normalised = [normalise(t) for t in texts]
        features = self.vectorizer.transform(normalised)
        guesses = {name: _guesses(head, features, top) for name, head in self._compiled().items()}
        return [
            Prediction(
                guesses["category"][i],
                guesses["order_type"][i],
                _at_least_cued(guesses["urgency"][i], text),
            )
            for i, text in enumerate(normalised)
        ]

    def _compiled(self) -> dict:
        if "_heads" not in self.__dict__:
            self._heads = {
                name: CalibratedHead(h) if isinstance(h, CalibratedClassifierCV) else h
                for name, h in self.heads.items()
            }
        return self._heads

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_heads"}

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(blob: bytes) -> "TriageModel":
        model = pickle.loads(blob)  # noqa: S301 - our own stored model, never user input
        if not isinstance(model, TriageModel) or model.format != FORMAT:
            raise ValueError("stored triage model has an old format")
        return model


# Words that make a request urgent whatever the model thinks: missing one costs far more than a
# false alarm, which the dispatcher can downgrade.
URGENCY_CUES = {
    "critical": (
        "燃气泄漏",
        "煤气泄漏",
        "燃气味",
        "煤气味",
        "天然气味",
        "液化气味",
        "着火",
        "起火",
        "冒烟",
        "爆炸",
    ),
    "urgent": (
        "困人",
        "被困",
        "困在电梯",
        "爆管",
        "水管爆裂",
        "管道爆裂",
        "井盖丢",
        "井盖没了",
        "井盖被",
        "触电",
        "电线掉",
        "塌陷",
        "倒塌",
        "漏电",
        "掉进",
    ),
}


def _at_least_cued(guess: Guess, text: str) -> Guess:
    for level in ("critical", "urgent"):
        if any(cue in text for cue in URGENCY_CUES[level]):
            if guess.label == level or (level == "urgent" and guess.label == "critical"):
                return guess
            return Guess(
                level,
                max(0.9, guess.confidence),
                ((level, max(0.9, guess.confidence)), *guess.top[:2]),
            )
    return guess


def _guesses(head: "CalibratedHead | OnlyAnswer", features: csr_matrix, top: int) -> list[Guess]:
    probabilities = head.predict_proba(features)
    labels = head.classes_
    order = np.argsort(-probabilities, axis=1)[:, :top]
    out = []
    for row, best in zip(probabilities, order, strict=True):
        ranked = tuple((str(labels[j]), round(float(row[j]), 4)) for j in best)
        out.append(Guess(ranked[0][0], ranked[0][1], ranked))
    return out


def _fit_calibrated(features: csr_matrix, labels: np.ndarray) -> CalibratedClassifierCV:
    """A linear classifier fitted on nine tenths of the examples, its scores made probabilities
    on the remaining tenth (one fit instead of one per fold: training stays quick at scale).
    With too few examples to hold some back, it is calibrated on its own training data."""
    held = np.random.default_rng(0).random(len(labels)) < 0.1
    counts = Counter(labels[held])
    if set(counts) != set(labels) or min(counts.values()) < 3:
        held[:] = True
        fit_on = held
    else:
        fit_on = ~held
    # Stochastic gradient descent on the modified Huber loss (a smoothed linear SVM): as accurate
    # as liblinear's SVM here, linear in the number of examples, one class per core.
    svm = SGDClassifier(
        loss="modified_huber", alpha=2e-5, max_iter=15, tol=None, n_jobs=2, random_state=0
    )
    svm.fit(features[fit_on], labels[fit_on])
    folds = max(2, min(5, min(Counter(labels[held]).values())))
    return CalibratedClassifierCV(FrozenEstimator(svm), method="sigmoid", cv=folds).fit(
        features[held], labels[held]
    )


def train(
    examples: Sequence[Example],
    *,
    progress: Callable[[str], None] = lambda _: None,
    max_features: int = 200_000,
) -> TriageModel:
    """Fit the three heads on ``examples`` (every example has a category; type and urgency are
    learnt from the examples that have them)."""
    progress(f"vectorising {len(examples):,} texts")
    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 2),
        min_df=2,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
    features = vectorizer.fit_transform([normalise(e.text) for e in examples])
    heads = {}
    for name, attribute in (
        ("category", "category"),
        ("order_type", "order_type"),
        ("urgency", "urgency"),
    ):
        labelled = [i for i, e in enumerate(examples) if getattr(e, attribute)]
        labels = np.array([getattr(examples[i], attribute) for i in labelled])
        progress(f"fitting {name} on {len(labelled):,} examples, {len(set(labels))} classes")
        if len(set(labels)) < 2:  # nothing to tell apart: the one answer, with certainty
            heads[name] = OnlyAnswer(labels[0] if len(labels) else "")
            continue
        heads[name] = _fit_calibrated(features[labelled], labels)
    info = {"examples": len(examples), "features": len(vectorizer.vocabulary_)}
    vectorizer.stop_words_ = None  # only needed while fitting; large
    return TriageModel(vectorizer, heads, info)
