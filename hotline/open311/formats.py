"""Open311 GeoReport v2 documents as JSON or XML (pure).

The specification gives every response in both formats; in XML a list is an element whose
children are named after the singular of the list (``services`` → ``service``), booleans are
``true``/``false`` and a missing value is an empty element.
"""

import json
import re
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_requests": "request",
}
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


# What XML 1.0 cannot carry at all: control characters other than tab and line breaks, lone
# surrogates, U+FFFE and U+FFFF. Stored text is already clean; this is for echoed input (an
# unknown service code in an error).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _fill(element: Element, value: object) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(SubElement(element, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(SubElement(element, ITEMS.get(element.tag, "item")), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("\ufffd", str(value))


def to_xml(root: str, document: dict | list) -> bytes:
    element = Element(root)
    _fill(element, document)
    return (
        b'<?xml version="1.0" encoding="utf-8"?>' + tostring(element, encoding="unicode").encode()
    )


def respond(document: dict | list, root: str, fmt: str, status: int = 200) -> HttpResponse:
    """``document`` as the JSON the specification shows, or as XML under ``root``."""
    body = (
        to_xml(root, document)
        if fmt == "xml"
        else json.dumps(document, ensure_ascii=False).encode()
    )
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def error(status: int, description: str, fmt: str) -> HttpResponse:
    """The specification's error document: a list of {code, description}."""
    return respond([{"code": status, "description": description}], "errors", fmt, status)
