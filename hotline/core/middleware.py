import functools
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import Context, Template
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponse]  # a view, or the middleware after this one


def chinese_unless_chosen(get_response: Handler) -> Handler:
    """Pages are in Chinese unless the user chose English with the language switch: the
    browser's Accept-Language is not consulted (staff machines are often set up in English)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware


# Scripts only from the site's own static files (ECharts, HTMX and the pages' scripts are all
# there; no inline script, no eval), nothing embedded elsewhere, forms posted only back here.
# Inline styles stay allowed: the pages' <style> blocks and ECharts' drawing set them, and a
# style cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy(get_response: Handler) -> Handler:
    """Every HTML page gets the policy above unless its view set a stricter one (attachments)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return middleware


# The database is unreachable (restarting, failed over, out of connections): the request can be
# sent again in a moment. A request's changes are one transaction, written whole or not at all;
# a retry with the same Idempotency-Key finds out which. OperationalError also covers a deadlock,
# a lock timeout or SQLite's "database is locked": a retry is the answer to those too. Anything
# else (a bug, bad data reaching the database) stays a 500.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


@functools.cache
def _page() -> Template:
    return Template(
        '{% extends "error.html" %}{% block title %}{{ title }}{% endblock %}'
        "{% block heading %}{{ title }}（503）{% endblock %}"
        "{% block message %}{{ message }}{% endblock %}"
    )


MachineError = Callable[[HttpRequest, int, str, str], HttpResponse]
# How each interface for machines says an error, by the start of its addresses. The interface
# apps register theirs when they are ready, so that the core imports none of them.
_MACHINE_ERRORS: dict[str, MachineError] = {}


def answer_machines_under(prefix: str, answer: MachineError) -> None:
    """Errors under ``prefix`` are said by ``answer(request, status, code, message)``."""
    _MACHINE_ERRORS[prefix] = answer


def machine_error(
    request: HttpRequest, status: int, code: str, message: str
) -> HttpResponse | None:
    """An error as the machines' interfaces answer it, chosen by the address (the API's JSON,
    Open311's error list); None elsewhere, where the caller answers a person."""
    for prefix, answer in _MACHINE_ERRORS.items():
        if request.path.startswith(prefix):
            return answer(request, status, code, message)
    return None


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: ``machine_error`` on the API and Open311, a short page
    elsewhere. Renders without touching the database."""
    message = _(
        "数据库暂时不可用，请稍后重试（接口调用请带同一 Idempotency-Key 重试，不会重复登记）。"
    )
    response = machine_error(request, 503, "database_unavailable", message)
    if response is None:
        response = HttpResponse(
            _page().render(Context({"title": _("系统暂时不可用"), "message": message})), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Length"] = str(len(response.content))  # replaced outside CommonMiddleware
    return response


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 with ``Retry-After`` instead of a 500
    traceback page, wherever it was raised: in a view, or in a middleware that reads or writes
    (API tokens, idempotency keys, sessions), or at the commit.

    Django turns a middleware's exception into a 500 response before an outer middleware sees
    it, so besides ``process_exception`` (views) the exception is noted on the request when
    Django reports it (``got_request_exception``) and the 500 replaced on the way out. Put this
    class before every middleware that uses the database.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        got_request_exception.connect(
            _note_database_down, dispatch_uid="hotline-database-unavailable"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_hotline_database_down", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_DOWN):
            return database_unavailable_response(request)
        return None


def _note_database_down(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    if request is not None and isinstance(sys.exception(), DATABASE_DOWN):
        vars(request)["_hotline_database_down"] = True  # a note the request declares no field for


NUL_MESSAGE = "请求中含有空字符（NUL），无法处理。A request may not contain NUL characters."


def refuse_nul(get_response: Handler) -> Handler:
    """A NUL character in a request's address or query string is refused (400) before any view
    sees it. PostgreSQL cannot hold or compare a text with NUL in it, so a lookup by such a value
    (an order number in a path, a search, a filter) would be a server error there; no identifier
    or search of ours has one. Form fields are refused by Django's forms already, and text is
    cleaned of control characters (``clean_text``)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            refusal = machine_error(request, 400, "invalid_input", NUL_MESSAGE)
            return (
                refusal
                if refusal is not None
                else HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
            )
        return get_response(request)

    return middleware
