"""docs/security.md names the test that proves each rule: every name it gives must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_and_test_file_the_security_doc_names_exists() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    tests = ROOT / "tests"
    defined = {
        name
        for path in tests.rglob("*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)
    }
    files = {path.stem for path in tests.rglob("test_*.py")}
    named = set(re.findall(r"\b(test_\w+)", doc))
    assert named and named <= defined | files, sorted(named - defined - files)
    missing_paths = [
        p
        for p in re.findall(r"`((?:tests|hotline|docs)/[\w/.]+)`", doc)
        if not (ROOT / p.rstrip("/")).exists()
    ]
    assert missing_paths == []
