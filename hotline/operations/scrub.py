"""Removing personal data from text (pure: no database).

What counts as personal data here: Chinese mobile numbers (with or without +86 and separators),
landline numbers with an area code (or after a word such as 电话), 18- and 15-digit resident ID
numbers, e-mail addresses, and the caller's own name. Each is replaced by a label saying what
was there, so a reader still sees that the citizen gave a number, not which.

Addresses keep what statistics need (the road, the residential compound or village: what the
hot-spot findings group by) and lose the house, building, unit and room numbers.
"""

import re
from collections.abc import Iterable
from typing import Any

PHONE, ID_NUMBER, EMAIL, NAME = "[电话]", "[身份证号]", "[邮箱]", "[姓名]"

_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
# IDs first: an ID number must not be taken for a phone number followed by digits.
ID_18 = re.compile(
    rf"(?<![\dA-Za-z])[1-9]\d{{5}}(?:18|19|20)\d{{2}}{_MONTH}{_DAY}\d{{3}}[\dXx](?![\dA-Za-z])"
)
ID_15 = re.compile(rf"(?<![\dA-Za-z])[1-9]\d{{7}}{_MONTH}{_DAY}\d{{3}}(?![\dA-Za-z])")
MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
# 010-12345678, 0755 2345678, (021)23456789; the local part starts with 2-9.
LANDLINE = re.compile(
    r"(?<!\d)(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[-\s]?[2-9]\d{6,7}(?:[-转]\d{1,5})?(?!\d)"
)
# A bare local number only where a word says it is one: 电话 23456789, 座机：2345678.
LOCAL_AFTER_WORD = re.compile(
    r"((?:电话|座机|固话|号码|联系方式|手机|tel|Tel|TEL)\s*[:：是为]?\s*)[2-9]\d{6,7}(?!\d)"
)
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

_NUMERAL = r"[0-9０-９一二三四五六七八九十百零〇两]+"
# Where the house begins: a number followed by a building, unit, room, floor or house word,
# or 3-2-501 style numbers. Everything from there on is dropped.
HOUSE = re.compile(
    rf"(?:{_NUMERAL}\s*(?:号楼|号院|栋|幢|座|单元|门|室|楼|层|号|户|弄|排)|\d+(?:-\d+)+)"
)
# Road and compound numbers (东城1路, 11小区) are kept: they name the place, not the household.


def scrub(text: str, *, names: Iterable[str] = ()) -> str:
    """``text`` with phone numbers, ID numbers, e-mail addresses and the given names replaced by
    labels. Names shorter than two characters are left alone (one character would hit ordinary
    words). Text without personal data comes back unchanged."""
    if not text:
        return text
    text = EMAIL_ADDRESS.sub(EMAIL, text)
    text = ID_18.sub(ID_NUMBER, text)
    text = ID_15.sub(ID_NUMBER, text)
    text = MOBILE.sub(PHONE, text)
    text = LANDLINE.sub(PHONE, text)
    text = LOCAL_AFTER_WORD.sub(lambda m: m.group(1) + PHONE, text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, NAME)
    return text


def reduce_address(address: str) -> str:
    """The address without the house: 东城1路11小区3栋502室 → 东城1路11小区. An address that
    is only a house number becomes empty; one without a house number stays as it is (apart from
    any phone number or ID in it)."""
    address = scrub(address or "")
    if match := HOUSE.search(address):
        address = address[: match.start()]
    return address.strip(" ，,、-—（(")


def scrub_in_text(text: str, *, names: Iterable[str] = (), address: str = "") -> str:
    """``scrub``, and the caller's full address, where the text quotes it, reduced as
    ``reduce_address`` reduces it."""
    if address and text and (reduced := reduce_address(address)) != address:
        text = text.replace(address, reduced)
    return scrub(text, names=names)


# JSON keys whose values are the caller's identity: emptied, whatever they hold.
IDENTITY_KEYS = frozenset({"caller_name", "caller_phone", "phone", "email", "recipient"})


def scrub_json(value: Any, *, names: Iterable[str] = (), address: str = "") -> Any:
    """A copy of a JSON value with every string scrubbed (``scrub_in_text``), the values of
    IDENTITY_KEYS emptied and the values of "address" keys reduced (``reduce_address``).
    Numbers, booleans, null and the keys themselves are kept."""
    names = tuple(names)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in IDENTITY_KEYS and isinstance(item, str):
                out[key] = ""
            elif key == "address" and isinstance(item, str):
                out[key] = reduce_address(item)
            else:
                out[key] = scrub_json(item, names=names, address=address)
        return out
    if isinstance(value, list):
        return [scrub_json(item, names=names, address=address) for item in value]
    if isinstance(value, str):
        return scrub_in_text(value, names=names, address=address)
    return value
