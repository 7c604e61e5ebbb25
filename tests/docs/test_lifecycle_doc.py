from pathlib import Path

from hotline.orders.docs import lifecycle_markdown


def test_the_lifecycle_doc_is_the_transition_table_as_printed_now() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"
    assert doc.read_text(encoding="utf-8") == lifecycle_markdown(), (
        "run: hotline lifecycle > docs/lifecycle.md"
    )
