import json

from django.apps import AppConfig
from django.http import HttpRequest, HttpResponse


def _json_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


class ApiConfig(AppConfig):
    name = "hotline.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from hotline.core.middleware import answer_machines_under

        # Errors raised before a view (NUL guard, database down) in the API's own shape.
        answer_machines_under("/api/", _json_error)
