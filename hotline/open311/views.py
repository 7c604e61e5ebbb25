"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests
(read by anyone, posted with an ``api_key``) and tokens.

Every taxonomy leaf is a service (its code is the service code); its definition asks the
attributes our intake uses. Requests are registered and read through the same services as
every other channel.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from hotline.api.services import user_for_token
from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category
from hotline.core import ratelimit
from hotline.core.errors import InvalidInput
from hotline.orders.models import Channel, WorkOrder
from hotline.orders.selectors import published_orders
from hotline.orders.services import register_order
from hotline.orders.workflow import FINAL
from hotline.org.permissions import Capability, may

from .formats import error, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00Z"

View = Callable[..., HttpResponse]


def _methods(*allowed: str) -> Callable[[View], View]:
    """Other methods get a 405 in the specification's error format (not Django's empty page).
    No view here reads a cookie (a POST carries its api_key), so none needs Django's CSRF check,
    whose refusal of an unusual method would otherwise come as an HTML page."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def checked(request: HttpRequest, *args: str, **kwargs: str) -> HttpResponse:
            if request.method not in allowed:
                response = error(
                    405,
                    f"method {request.method} not allowed; use {' or '.join(allowed)}",
                    kwargs["fmt"],
                )
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return checked

    return decorate


require_GET = _methods("GET", "HEAD")


def _attributes() -> list[dict]:
    def choice(
        code: str, description: str, order: int, choices: Iterable[tuple[str, object]]
    ) -> dict:
        return {
            "variable": True,
            "code": code,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": order,
            "description": description,
            "values": [{"key": key, "name": str(name)} for key, name in choices],
        }

    return [
        choice("order_type", "诉求类型", 1, OrderType.choices),
        choice("urgency", "紧急程度", 2, Urgency.choices),
        choice("confidential", "举报人保密", 3, [("false", "否"), ("true", "是")]),
    ]


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = (
        request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt})).rsplit(
            "/services.", 1
        )[0]
        + "/"
    )
    return respond(
        {
            "changeset": CHANGESET,
            "contact": "12345 政务服务便民热线",
            "key_service": "hotline token create USERNAME",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        "discovery",
        fmt,
    )


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(
        [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.scope or None,
                "metadata": True,
                "type": "realtime",
                "keywords": c.scope.replace("、", ",") or None,
                "group": c.group,
            }
            for c in Category.objects.filter(active=True).order_by("code")
        ],
        "services",
        fmt,
    )


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if not Category.objects.filter(code=code, active=True).exists():
        return error(404, f"service_code {code} not found", fmt)
    return respond({"service_code": code, "attributes": _attributes()}, "service_definition", fmt)


# --- requests -------------------------------------------------------------------------------------

_DEFAULT_DAYS, _MAX_RESULTS = 90, 1000


def _moment(value: str, name: str) -> datetime:
    moment = parse_datetime(value.strip().replace(" ", "+")) if value else None
    if moment is None:
        raise ValueError(f"{name} must be a W3C date-time, e.g. 2026-11-22T09:00:00+08:00")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _local(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _request_document(order: WorkOrder) -> dict:
    finished = order.status in FINAL
    return {
        "service_request_id": order.number,
        "status": "closed" if finished else "open",
        "status_notes": (order.answer or order.close_reason or None) if finished else None,
        "service_name": order.category.name if order.category else None,
        "service_code": order.category.code if order.category else "",
        "description": order.title,
        "agency_responsible": order.unit.name if order.unit else None,
        "service_notice": None,
        "requested_datetime": _local(order.registered_at),
        # published_orders annotates each order with the moment of its last event
        "updated_datetime": _local(order.updated),  # type: ignore[attr-defined]
        "expected_datetime": _local(order.finish_deadline),
        "address": order.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(order.latitude) if order.latitude is not None else None,
        "long": float(order.longitude) if order.longitude is not None else None,
        "media_url": None,
    }


def _read_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    orders = published_orders()
    try:
        if params.get("service_request_id"):
            orders = orders.filter(
                number__in=[n.strip() for n in params["service_request_id"].split(",")]
            )
        else:
            end = (
                _moment(params["end_date"], "end_date")
                if params.get("end_date")
                else timezone.now()
            )
            start = (
                _moment(params["start_date"], "start_date")
                if params.get("start_date")
                else end - timedelta(days=_DEFAULT_DAYS)
            )
            orders = orders.filter(registered_at__gte=start, registered_at__lte=end)
            if params.get("service_code"):
                orders = orders.filter(
                    category__code__in=[c.strip() for c in params["service_code"].split(",")]
                )
            statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
            if statuses - {"open", "closed"}:
                raise ValueError("status must be open, closed or both")
            if statuses == {"open"}:
                orders = orders.exclude(status__in=FINAL)
            elif statuses == {"closed"}:
                orders = orders.filter(status__in=FINAL)
    except ValueError as problem:
        return error(400, str(problem), fmt)
    return respond([_request_document(o) for o in orders[:_MAX_RESULTS]], "service_requests", fmt)


# Our field names as the GeoReport parameters that carried them, so an error names what was sent.
_PARAMETERS = {
    "text": "description",
    "address": "address_string",
    "caller_name": "first_name/last_name",
    "caller_phone": "phone",
    "latitude": "lat",
    "longitude": "long",
    "order_type": "attribute[order_type]",
    "urgency": "attribute[urgency]",
}


def _over_limit(request: HttpRequest, fmt: str) -> HttpResponse | None:
    """The 429 answer once the client's address or its api_key has posted too often, else None.
    The address is counted first, so guessing keys is limited too."""
    for scope, key in (
        ("address", ratelimit.client_ip(request)),
        ("key", request.POST.get("api_key", "")),
    ):
        verdict = ratelimit.hit(
            f"open311.post.{scope}", key, ratelimit.rule(f"open311.post.{scope}")
        )
        if not verdict.allowed:
            response = error(
                429,
                f"too many requests from this {'address' if scope == 'address' else 'api_key'}; "
                f"retry after {verdict.retry_after} seconds",
                fmt,
            )
            response["Retry-After"] = str(verdict.retry_after)
            return response
    return None


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        data = request.POST
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        return error(
            413,
            "the request is too large: at most "
            f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB of fields",
            fmt,
        )
    # PostgreSQL cannot compare text holding a NUL; the error names each field that has one.
    if holding_nul := sorted(
        name for name, values in data.lists() if any("\x00" in v for v in values)
    ):
        return error(400, f"NUL characters are not allowed: {', '.join(holding_nul)}", fmt)
    if limited := _over_limit(request, fmt):
        return limited
    user = user_for_token(data.get("api_key", ""))
    if user is None or not may(user, Capability.REGISTER):
        return error(403, "api_key is missing or not allowed to post requests", fmt)
    code = data.get("service_code", "")
    if not code:
        return error(400, "service_code is required", fmt)
    if not Category.objects.filter(code=code, active=True).exists():
        return error(404, f"service_code {code} not found", fmt)
    if not data.get("address_string") and not (data.get("lat") and data.get("long")):
        return error(400, "a location is required: lat and long, or address_string", fmt)
    attributes = {  # the last value sent for each, as QueryDict.items() gives it
        key[len("attribute[") : -1]: values[-1]
        for key, values in data.lists()
        if key.startswith("attribute[") and key.endswith("]")
    }
    name = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p)
    try:
        order = register_order(
            actor=user,
            channel=Channel.OPEN311,
            text=data.get("description", ""),
            address=data.get("address_string", ""),
            latitude=data.get("lat") or None,
            longitude=data.get("long") or None,
            caller_name=name,
            caller_phone=data.get("phone", ""),
            category_code=code,
            order_type=attributes.get("order_type", ""),
            urgency=attributes.get("urgency", ""),
            confidential=attributes.get("confidential") == "true",
        )
    except InvalidInput as problem:
        return error(
            400,
            "; ".join(
                f"{_PARAMETERS.get(field, field)}: {message}"
                for field, message in problem.errors.items()
            ),
            fmt,
        )
    return respond(
        [
            {
                "service_request_id": order.number,
                "token": order.number,
                "service_notice": "已受理",
                "account_id": None,
            }
        ],
        "service_requests",
        fmt,
        status=201,
    )


@_methods("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    return _post_request(request, fmt) if request.method == "POST" else _read_requests(request, fmt)


@require_GET
def one_request(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    order = published_orders().filter(number=number).first()
    if order is None:
        return error(404, f"service_request_id {number} not found", fmt)
    return respond([_request_document(order)], "service_requests", fmt)


@require_GET
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Requests are created at once, so a token is the request's own id."""
    if not published_orders().filter(number=token).exists():
        return error(404, f"token {token} not found", fmt)
    return respond([{"service_request_id": token, "token": token}], "service_requests", fmt)


@csrf_exempt
def no_such_endpoint(request: HttpRequest) -> HttpResponse:
    """An address the specification does not have, answered in its error format (XML if the
    address asks for it), so that clients never parse Django's HTML page."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return error(404, "no such endpoint; see discovery.json", fmt)
