"""Which files may be attached (pure): by their first bytes and size, never by their names."""

import pytest

from hotline.core.errors import InvalidInput
from hotline.orders.attachments import MAX_BYTES, check_upload


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\0\0", "image/png"),
        (b"%PDF-1.4\n", "application/pdf"),
    ],
)
def test_photos_and_pdfs_are_recognised_by_content(head, kind):
    assert check_upload("anything.bin", 100, head) == kind


@pytest.mark.parametrize(
    "head", [b"<svg xmlns=", b"<!doctype html>", b"GIF89a", b"PK\x03\x04", b"MZ\x90\0"]
)
def test_everything_else_is_refused_whatever_its_name(head):
    with pytest.raises(InvalidInput, match="不是 JPEG、PNG 图片或 PDF 文件"):
        check_upload("photo.jpg", 100, head)


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(InvalidInput, match="是空的"):
        check_upload("a.png", 0, b"")
    with pytest.raises(InvalidInput, match="超过 5 MB"):
        check_upload("a.png", MAX_BYTES + 1, b"\x89PNG\r\n\x1a\n")
