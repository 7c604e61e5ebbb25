"""Traditional and simplified characters (OpenCC's character tables)."""

from functools import cache

import opencc

# Where OpenCC's tables have characters to fold: the CJK blocks and their compatibility forms.
_CJK = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@cache
def _traditional() -> frozenset[str]:
    """The characters that t2s folds on their own. Almost every request has none, and looking
    for them is ten times quicker than the conversion (a few milliseconds per registration
    across the duplicate search's candidates)."""
    convert = _converter("t2s").convert
    return frozenset(
        chr(c) for low, high in _CJK for c in range(low, high + 1) if convert(chr(c)) != chr(c)
    )


def to_simplified(text: str) -> str:
    if _traditional().isdisjoint(text):
        return text
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)
