"""The REST API (/api/v1/): typed schemas, token or session authentication, JSON errors with a
stable code. Endpoints only call services and selectors."""

import logging

from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from hotline.core.errors import ActionRefused, DomainError, InvalidInput, PermissionDenied
from hotline.core.middleware import database_unavailable_response
from hotline.org.models import User

from . import batch, intake, orders, problems, reference
from .services import user_for_request_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` from ``hotline token create USERNAME``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_request_token(request, token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="hotline API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    description=(
        "12345 热线平台接口：登记、智能建议（分类、类型、紧急程度、承办单位、重复工单、知识库）、"
        "工单办理，以及难题的立项、攻坚、吹哨报到与销号。"
    ),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, error: InvalidInput) -> HttpResponse:
    return _error(request, 422, error.code, error.message, errors=error.errors)


@api.exception_handler(DomainError)
def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = 403 if isinstance(error, PermissionDenied) else 409
    return _error(
        request,
        status,
        error.code,
        error.message,
        **({"reason": error.reason} if isinstance(error, ActionRefused) else {}),
    )


@api.exception_handler(ValidationError)
def _malformed(request: HttpRequest, error: ValidationError) -> HttpResponse:
    # loc is (where, parameter, field, ...): name the field as the client sent it
    errors = {
        ".".join(str(p) for p in e["loc"][2:]) or str(e["loc"][-1]): e["msg"] for e in error.errors
    }
    return _error(
        request,
        422,
        InvalidInput.code,
        "；".join(f"{k}: {v}" for k, v in errors.items()),
        errors=errors,
    )


@api.exception_handler(Forbidden)
def _forbidden(request: HttpRequest, error: Forbidden) -> HttpResponse:
    # A capability the permission table does not give the caller's role (``@requires``).
    return _error(request, 403, PermissionDenied.code, str(error))


@api.exception_handler(HttpError)
def _bad_request(request: HttpRequest, error: HttpError) -> HttpResponse:
    return _error(
        request,
        error.status_code,
        "bad_request" if error.status_code == 400 else "error",
        str(error),
    )


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    # Too many files or fields, or a body too large: Django's own answer is an HTML page, which an
    # API client does not expect. Logged where Django logs it.
    logging.getLogger(f"django.security.{type(error).__name__}").error(str(error))
    return _error(request, 400, "bad_request", str(error))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(error) or "没有这个资源")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "unauthorized", "需要有效的接口令牌（Authorization: Bearer …）或登录"
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_down(request: HttpRequest, error: OperationalError | InterfaceError) -> HttpResponse:
    return database_unavailable_response(request)


api.add_router("/triage", intake.router)
api.add_router("/orders/batch", batch.router)
api.add_router("/orders", orders.router)
api.add_router("/problems", problems.router)
api.add_router("", reference.router)
