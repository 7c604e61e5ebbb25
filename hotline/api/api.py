"""The REST API (/api/v1/): typed schemas, token or session authentication, JSON errors with a
stable code. Endpoints only call services and selectors."""

from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from hotline.core.errors import ActionRefused, DomainError, InvalidInput, PermissionDenied
from hotline.orders.workflow import TRANSITIONS, Action
from hotline.triage.selectors import suggest
from hotline.triage.services import register_with_suggestions

from .services import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` from ``hotline token create USERNAME``."""

    def authenticate(self, request, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(title="hotline API", version="1", urls_namespace="api", auth=[TokenAuth(), django_auth],
               description="12345 热线平台接口：登记、智能建议（分类、类型、紧急程度、承办单位、重复工单、知识库）。")


def _error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(InvalidInput)
def _invalid(request, error: InvalidInput):
    return _error(request, 422, error.code, error.message, errors=error.errors)


@api.exception_handler(DomainError)
def _refused(request, error: DomainError):
    status = 403 if isinstance(error, PermissionDenied) else 409
    return _error(request, status, error.code, error.message, **({"reason": error.reason} if isinstance(error, ActionRefused) else {}))


@api.exception_handler(ValidationError)
def _malformed(request, error: ValidationError):
    # loc is (where, parameter, field, ...): name the field as the client sent it
    errors = {".".join(str(p) for p in e["loc"][2:]) or str(e["loc"][-1]): e["msg"] for e in error.errors}
    return _error(request, 422, InvalidInput.code, "；".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return _error(request, 401, "unauthorized", "需要有效的接口令牌（Authorization: Bearer …）或登录")


def _may_register(request) -> None:
    if request.user.role not in TRANSITIONS[Action.REGISTER].roles:
        raise PermissionDenied(order="（新）", action=Action.REGISTER.label, status="—", reason="只有话务员和派单员可以登记")


class SuggestIn(Schema):
    text: str
    address: str = ""
    caller_phone: str = ""


class Choice(Schema):
    value: str
    label: str
    confidence: float


class RankedCategory(Schema):
    code: str
    name: str
    confidence: float


class SuggestedCategory(RankedCategory):
    top3: list[RankedCategory]


class SuggestedUnit(Schema):
    id: int | None
    name: str
    learnt: bool


class SuggestedDuplicate(Schema):
    number: str
    score: float
    status: str


class SuggestedArticle(Schema):
    id: int
    title: str
    score: float


class Suggestion(Schema):
    model: int
    category: SuggestedCategory
    order_type: Choice
    urgency: Choice
    unit: SuggestedUnit | None
    duplicates: list[SuggestedDuplicate]
    articles: list[SuggestedArticle]


@api.post("/triage/suggest", response=Suggestion, tags=["intake"], summary="智能建议：分类、类型、紧急程度、承办单位、重复工单、知识库")
def suggest_for_request(request, body: SuggestIn):
    _may_register(request)
    if not body.text.strip():
        raise InvalidInput({"text": "不能为空"})
    return suggest(body.text[:4000], body.address[:200], phone=body.caller_phone[:30])


class OrderIn(Schema):
    text: str
    address: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    channel: str = "phone"
    order_type: str = ""
    category_code: str = ""
    urgency: str = ""
    confidential: bool = False
    anonymous: bool = False


class OrderOut(Schema):
    number: str
    status: str
    order_type: str
    category: str | None
    urgency: str
    suggestions: Suggestion


@api.post("/orders", response={201: OrderOut}, tags=["orders"], summary="登记工单（附智能建议）")
def register(request, body: OrderIn):
    """Register an order; the suggestions are stored beside what the caller chose."""
    order = register_with_suggestions(actor=request.user, **body.dict())
    return Status(201, {"number": order.number, "status": order.status, "order_type": order.order_type,
                 "category": order.category.code if order.category_id else None, "urgency": order.urgency,
                 "suggestions": order.suggestions})

