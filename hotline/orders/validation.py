"""Cleaning what people type (pure): text, phone numbers, coordinates. The errors are said in the
active language."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from hotline.core.errors import InvalidInput

MAX_TEXT = 4000
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11}|[2-9]\d{6,7}|400\d{7}|95\d{3,6}|12\d{3})$")


# Invisible characters that reorder or hide what a reader sees (a name shown backwards, a word
# split so that a search misses it): bidirectional embeddings, overrides and isolates, the
# zero-width space, the word joiner and the byte-order mark. The zero-width (non-)joiners stay:
# emoji sequences and Arabic-script writing (Uyghur) need them. U+FFFE and U+FFFF are no
# characters at all, and XML cannot carry them.
_HIDDEN = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff\ufffe\uffff"
)
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


def clean_text(
    value: str | None, field: str, *, required: bool = True, max_length: int = MAX_TEXT
) -> str:
    """Strip; drop control characters (keeping line breaks and tabs), lone surrogates and the
    hidden characters above; Unicode's line and paragraph separators become line breaks; then
    check the length."""
    text = "".join(
        ch
        for ch in (value or "").translate(_LINE_BREAKS)
        if ch in "\n\t" or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _HIDDEN)
    ).strip()
    if required and not text:
        raise InvalidInput({field: _("不能为空")})
    if len(text) > max_length:
        raise InvalidInput(
            {
                field: _("不能超过 %(limit)s 个字（现有 %(count)s 个）")
                % {"limit": max_length, "count": len(text)}
            }
        )
    return text


def clean_phone(value: str | None) -> str:
    """A mainland mobile, landline or service number, stored as digits; '' when none was given."""
    raw = (value or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"[\s\-()（）]", "", raw)
    digits = re.sub(r"^(\+86|0086)", "", digits)
    if not _PHONE.match(digits):
        raise InvalidInput(
            {"caller_phone": _("电话号码格式不正确：「%(phone)s」") % {"phone": raw}}
        )
    return digits


def clean_coordinate(value: object, field: str, low: int, high: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise InvalidInput({field: _("不是有效的数字：「%(value)s」") % {"value": value}}) from None
    if not low <= number <= high:
        raise InvalidInput(
            {
                field: _("超出范围 %(low)s～%(high)s：%(value)s")
                % {"low": low, "high": high, "value": value}
            }
        )
    return number


def make_title(text: str, limit: int = 30) -> str:
    first = re.split(r"[。！？!?\n]", text, maxsplit=1)[0].strip() or text
    return first if len(first) <= limit else first[: limit - 1] + "…"
