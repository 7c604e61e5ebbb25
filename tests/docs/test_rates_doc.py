from pathlib import Path

from hotline.analytics.docs import rates_markdown


def test_the_rates_doc_is_the_rate_definitions_as_printed_now() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "rates.md"
    assert doc.read_text(encoding="utf-8") == rates_markdown(), (
        "run: hotline analytics docs > docs/rates.md"
    )
