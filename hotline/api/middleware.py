import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from hotline.org.models import User

from .models import IdempotencyKey
from .services import user_for_request_token

_PREFIX = "/api/v1/"
_MAX_KEY = 200


def _error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


class IdempotencyMiddleware:
    """``Idempotency-Key`` on API POSTs: the first request's answer is kept with its changes, in one
    transaction, and given again to every retry with the same key (from the same user). The same
    key with a different request is refused (422). Server errors are not kept: they can be
    retried."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith(_PREFIX):
            return self.get_response(request)
        if len(key) > _MAX_KEY:
            return _error(422, "invalid_input", f"Idempotency-Key 不能超过 {_MAX_KEY} 个字符")
        user = self._user(request)
        if user is None:
            return self.get_response(request)  # the API answers 401 itself
        fingerprint = hashlib.sha256(
            b"\0".join([request.method.encode(), request.path.encode(), request.body])
        ).hexdigest()
        with transaction.atomic():
            stored = self._stored(user, key)
            if stored is not None:
                return self._replay(stored, fingerprint)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        fingerprint=fingerprint,
                        status=response.status_code,
                        content_type=response.get("Content-Type", ""),
                        body=response.content,
                    )
            except (
                IntegrityError
            ):  # the same key was answered at the same moment: undo ours, give its answer
                transaction.set_rollback(True)
            else:
                return response
        stored = self._stored(user, key)
        return (
            self._replay(stored, fingerprint)
            if stored
            else _error(409, "conflict", "同一 Idempotency-Key 的请求正在处理，请稍后重试")
        )

    @staticmethod
    def _user(request: HttpRequest) -> User | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return user_for_request_token(request, header.removeprefix("Bearer ").strip())
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @staticmethod
    def _stored(user: User, key: str) -> IdempotencyKey | None:
        return IdempotencyKey.objects.filter(user=user, key=key).first()

    @staticmethod
    def _replay(stored: IdempotencyKey, fingerprint: str) -> HttpResponse:
        if stored.fingerprint != fingerprint:
            return _error(422, "idempotency_key_reused", "这个 Idempotency-Key 已用于另一个请求")
        response = HttpResponse(
            bytes(stored.body), status=stored.status, content_type=stored.content_type
        )
        response["Idempotent-Replay"] = "true"
        return response
