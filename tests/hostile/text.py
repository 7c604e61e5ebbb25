"""Hostile text for the property tests, and the checks that what is shown of it is inert."""

from html.parser import HTMLParser

from hypothesis import strategies as st

MARK = "1337"
PIECES = [
    "<script>alert(1337)</script>",
    '"><img src=x onerror=alert(1337)>',
    "javascript:alert(1337)",
    '<a href="javascript:alert(1337)">点我</a>',
    "<svg onload=alert(1337)>",
    "{{ 1337 }}",
    "]]>",
    "&amp;",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\ufffe",
    "\ud800",
    "\u200d",
    "\u200c",
    "😀",
    "👨\u200d👩\u200d👧",
    "𠀀𪚥",
    "\U0010fffd",
    "市民热线东城1路",
    "ئۇيغۇرچە",
    "བོད་ཡིག",
    "Latin é",
    "Ωμέγα",
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "'",
    "%s%(x)s",
]
# Assembled from the pieces above and from any code points (astral ones included); now and then
# long enough to pass the limits.
hostile = st.builds(
    lambda parts, repeat: "".join(parts) * repeat,
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), min_size=1, max_size=8),
    st.one_of(st.just(1), st.just(1), st.just(1), st.integers(min_value=2, max_value=400)),
)


class _Active(HTMLParser):
    """Everything in a page that would run: event-handler attributes, javascript: links, and
    scripts carrying the mark."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found, self._in_script = [], False

    def handle_starttag(self, tag, attrs) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append((tag, name, value))
        if tag in ("img", "svg", "a", "iframe") and any(MARK in (v or "") for _, v in attrs):
            self.found.append((tag, attrs))

    def handle_endtag(self, tag) -> None:
        self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script and MARK in data:
            self.found.append(("script", data))


def active_parts(html: str) -> list:
    parser = _Active()
    parser.feed(html)
    parser.close()
    return parser.found


# What a form can carry: UTF-8 has no lone surrogates, so a browser cannot send one.
typed = hostile.map(lambda s: "".join(ch for ch in s if not "\ud800" <= ch <= "\udfff"))

# A name or an address is short: mostly one or two pieces (so that it is often stored, not only
# refused for its length), now and then anything.
_short = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=2
).map("".join)
short = st.one_of(_short, _short, _short, hostile)
short_typed = st.one_of(
    _short.map(lambda s: "".join(ch for ch in s if not "\ud800" <= ch <= "\udfff")), typed
)
