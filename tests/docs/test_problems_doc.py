from pathlib import Path

from hotline.problems.docs import BEGIN, END, lifecycle_markdown


def test_the_problems_doc_holds_the_transition_table_as_printed_now():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "problems.md").read_text(encoding="utf-8")
    printed = doc[doc.index(BEGIN) : doc.index(END) + len(END)] + "\n"
    assert printed == lifecycle_markdown(), "run: hotline problems lifecycle, and paste it"
