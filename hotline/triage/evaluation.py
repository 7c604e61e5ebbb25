"""How well the model classifies labelled requests (pure): accuracy, top-3, macro-F1, per
category, the most frequent confusions, and how well its confidence is calibrated."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sklearn.metrics import f1_score, precision_recall_fscore_support

from .classifier import Guess


@dataclass
class Report:
    examples: int
    accuracy: float
    top3_accuracy: float
    macro_f1: float
    calibration_error: float  # expected calibration error of the confidence, 10 bins
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (true, guessed, count)

    def as_dict(self) -> dict:
        return {
            "examples": self.examples,
            "accuracy": self.accuracy,
            "top3_accuracy": self.top3_accuracy,
            "macro_f1": self.macro_f1,
            "calibration_error": self.calibration_error,
        }


def evaluate(truth: Sequence[str], guesses: Sequence[Guess]) -> Report:
    if len(truth) != len(guesses) or not truth:
        raise ValueError("evaluation needs as many guesses as labelled examples, and at least one")
    guessed = [g.label for g in guesses]
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guessed, labels=labels, zero_division=0
    )
    per_label = {
        label: {
            "support": int(s),
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    confusions = Counter((t, g) for t, g in zip(truth, guessed, strict=True) if t != g)
    return Report(
        examples=len(truth),
        accuracy=round(sum(t == g for t, g in zip(truth, guessed, strict=True)) / len(truth), 4),
        top3_accuracy=round(
            sum(t in {label for label, _ in g.top[:3]} for t, g in zip(truth, guesses, strict=True))
            / len(truth),
            4,
        ),
        macro_f1=round(
            float(f1_score(truth, guessed, labels=labels, average="macro", zero_division=0)), 4
        ),
        calibration_error=round(_calibration_error(truth, guesses), 4),
        per_label=per_label,
        confusions=[(t, g, n) for (t, g), n in confusions.most_common(15)],
    )


def _calibration_error(truth: Sequence[str], guesses: Sequence[Guess], bins: int = 10) -> float:
    buckets: dict[int, list[tuple[float, bool]]] = {}
    for t, g in zip(truth, guesses, strict=True):
        buckets.setdefault(min(int(g.confidence * bins), bins - 1), []).append(
            (g.confidence, t == g.label)
        )
    total = len(truth)
    return sum(
        len(b) / total * abs(sum(c for c, _ in b) / len(b) - sum(ok for _, ok in b) / len(b))
        for b in buckets.values()
    )


def format_report(
    report: Report, names: dict[str, str] | None = None, title: str = "category"
) -> str:
    names = names or {}
    lines = [
        f"{title}: {report.examples:,} examples",
        f"  accuracy        {report.accuracy:.1%}",
        f"  top-3 accuracy  {report.top3_accuracy:.1%}",
        f"  macro-F1        {report.macro_f1:.3f}",
        f"  calibration err {report.calibration_error:.3f}",
        "",
        f"  {'label':<20} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}",
    ]
    for label, m in report.per_label.items():
        lines.append(
            f"  {(label + ' ' + names.get(label, ''))[:20]:<20} {m['support']:>7} "
            f"{m['precision']:>9.1%} {m['recall']:>7.1%} {m['f1']:>6.3f}"
        )
    if report.confusions:
        lines += ["", "  most frequent confusions (true → guessed: count)"]
        lines += [
            f"    {t} {names.get(t, '')} → {g} {names.get(g, '')}: {n}"
            for t, g, n in report.confusions
        ]
    return "\n".join(lines)
