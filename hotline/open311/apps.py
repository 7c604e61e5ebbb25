from django.apps import AppConfig
from django.http import HttpRequest, HttpResponse


def _open311_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    from .formats import error

    return error(status, message, "xml" if request.path.endswith(".xml") else "json")


class Open311Config(AppConfig):
    name = "hotline.open311"
    label = "open311"
    verbose_name = "Open311 GeoReport v2"

    def ready(self) -> None:
        from hotline.core.middleware import answer_machines_under

        # Errors raised before a view (NUL guard, database down) as the specification's list.
        answer_machines_under("/open311/", _open311_error)
