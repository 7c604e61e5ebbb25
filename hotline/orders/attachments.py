"""What may be attached to an order: a few kinds of file, recognised by their first bytes rather
than by their names, and not too large; and the upload handler that refuses an oversized request
before it is read."""

from typing import IO

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

from hotline.core.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
# Leading bytes → the type served back; nothing else is accepted (no HTML, SVG or scripts).
SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}


def content_type_of(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def check_upload(name: str, size: int, head: bytes, field: str = "attachments") -> str:
    """The content type of an acceptable file, or InvalidInput saying why it is refused."""
    if size > MAX_BYTES:
        raise InvalidInput(
            {
                field: _("文件「%(name)s」超过 %(mb)s MB")
                % {"name": name, "mb": MAX_BYTES // 1024 // 1024}
            }
        )
    if size == 0:
        raise InvalidInput({field: _("文件「%(name)s」是空的") % {"name": name}})
    kind = content_type_of(head)
    if kind is None:
        raise InvalidInput(
            {field: _("文件「%(name)s」不是 JPEG、PNG 图片或 PDF 文件") % {"name": name}}
        )
    return kind


class RequestSizeLimit(FileUploadHandler):
    """Refuses a multipart request larger than ``settings.HOTLINE_MAX_REQUEST_BYTES`` before any
    of it is read (Django limits a form's fields, not its files, which it would otherwise stream
    to a temporary file however large). The refusal is Django's 400 page."""

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > settings.HOTLINE_MAX_REQUEST_BYTES:
            raise RequestDataTooBig(
                f"request body of {content_length} bytes exceeds HOTLINE_MAX_REQUEST_BYTES"
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data  # the next handler stores it

    def file_complete(self, file_size: int) -> None:
        return None
