from pathlib import Path

from hotline.org.docs import permissions_markdown


def test_the_permissions_doc_is_the_permission_table_as_printed_now() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
    assert doc.read_text(encoding="utf-8") == permissions_markdown(), (
        "run: hotline permissions > docs/permissions.md"
    )
