import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.catalog.models import Category
from hotline.triage import services
from hotline.triage.evaluation import evaluate, format_report
from hotline.triage.selectors import suggest


class Command(BaseCommand):
    help = "Triage (智能分派): train the model, classify requests, evaluate on labelled requests."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        train = sub.add_parser("train", help="train a new model and put it in use")
        train.add_argument(
            "--from",
            dest="source",
            choices=["history", "corpus"],
            default="history",
            help="the centre's settled orders (default; with the corpus as a prior) "
            "or the corpus alone",
        )
        sub.add_parser(
            "classify",
            help='read JSON lines {"text": ..., "address": ...} on stdin, write one JSON line each',
        )
        evaluate_ = sub.add_parser(
            "evaluate", help="measure on JSON lines with text and the true category (and type)"
        )
        evaluate_.add_argument("file")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        getattr(self, f"_{verb}")(**options)

    def _say(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def _train(self, source: str, **options: Any) -> None:
        started = time.monotonic()

        def progress(step: str) -> None:
            self._say(f"[{time.monotonic() - started:6.1f} s] {step}")

        try:
            version = (
                services.train_from_history if source == "history" else services.train_from_corpus
            )(progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"model v{version.pk} in use: {version.examples:,} examples, "
            f"{time.monotonic() - started:.1f} s {json.dumps(version.metrics, ensure_ascii=False)}"
        )

    def _classify(self, **options: Any) -> None:
        services.ensure_model(progress=self._say)  # before the first line, not during it
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                text = request["text"]
                if not isinstance(text, str) or not text.strip():
                    raise ValueError("text must be a non-empty string")
            except (ValueError, KeyError, TypeError) as error:
                self.stdout.write(
                    json.dumps({"error": f"line {number}: {error}"}, ensure_ascii=False)
                )
                continue
            s = suggest(text, str(request.get("address") or ""))
            self.stdout.write(
                json.dumps(
                    {
                        "type": s["order_type"]["value"],
                        "category": s["category"]["code"],
                        "urgency": s["urgency"]["value"],
                        "unit": s["unit"]["name"] if s["unit"] else None,
                        "confidence": s["category"]["confidence"],
                        "top3": [c["code"] for c in s["category"]["top3"]],
                        "category_name": s["category"]["name"],
                        "type_confidence": s["order_type"]["confidence"],
                        "urgency_confidence": s["urgency"]["confidence"],
                    },
                    ensure_ascii=False,
                )
            )

    def _evaluate(self, file: str, **options: Any) -> None:
        try:
            with open(file, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        bad = [
            i
            for i, r in enumerate(rows, 1)
            if not isinstance(r, dict) or not r.get("text") or not r.get("category")
        ]
        if bad or not rows:
            raise CommandError(
                f"every line needs text and category (lines {bad[:10]})"
                if bad
                else f"{file} is empty"
            )
        _, model = services.ensure_model(progress=self._say)
        predictions = model.predict([r["text"] for r in rows])
        names = dict(Category.objects.values_list("code", "name"))
        self.stdout.write(
            format_report(
                evaluate([r["category"] for r in rows], [p.category for p in predictions]), names
            )
        )
        typed = [
            (r["type"], p.order_type)
            for r, p in zip(rows, predictions, strict=True)
            if r.get("type")
        ]
        if typed:
            report = evaluate([t for t, _ in typed], [g for _, g in typed])
            self.stdout.write("\n" + format_report(report, title="type"))
