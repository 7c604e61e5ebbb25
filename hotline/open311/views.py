"""Open311 GeoReport v2 at /open311/v2/: discovery, services and service definitions.

Every taxonomy leaf is a service (its code is the service code); its definition asks the
attributes our intake uses. Requests are registered and read through the same services as
every other channel.
"""

from django.urls import reverse
from django.views.decorators.http import require_GET

from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category

from .formats import error, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00Z"


def _attributes() -> list[dict]:
    def choice(code: str, description: str, order: int, choices) -> dict:
        return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": False,
                "datatype_description": None, "order": order, "description": description,
                "values": [{"key": key, "name": name} for key, name in choices]}

    return [
        choice("order_type", "诉求类型", 1, OrderType.choices),
        choice("urgency", "紧急程度", 2, Urgency.choices),
        choice("confidential", "举报人保密", 3, [("false", "否"), ("true", "是")]),
    ]


@require_GET
def discovery(request, fmt: str):
    url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt})).rsplit("/services.", 1)[0] + "/"
    return respond({
        "changeset": CHANGESET, "contact": "12345 政务服务便民热线", "key_service": "hotline token create USERNAME",
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }, "discovery", fmt)


@require_GET
def services(request, fmt: str):
    return respond([{
        "service_code": c.code, "service_name": c.name, "description": c.scope or None, "metadata": True,
        "type": "realtime", "keywords": c.scope.replace("、", ",") or None, "group": c.group,
    } for c in Category.objects.filter(active=True).order_by("code")], "services", fmt)


@require_GET
def service_definition(request, code: str, fmt: str):
    if not Category.objects.filter(code=code, active=True).exists():
        return error(404, f"service_code {code} not found", fmt)
    return respond({"service_code": code, "attributes": _attributes()}, "service_definition", fmt)
