"""Intake suggestions through the API."""

from django.http import HttpRequest
from ninja import Router, Schema

from hotline.core.errors import InvalidInput
from hotline.org.permissions import Capability, requires
from hotline.triage.selectors import suggest

from .schemas import Text, answers

router = Router(tags=["intake"])


class SuggestIn(Schema):
    text: Text
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
    # Without a model in use yet, only the duplicates and the articles are suggested.
    model: int | None
    category: SuggestedCategory | None = None
    order_type: Choice | None = None
    urgency: Choice | None = None
    unit: SuggestedUnit | None = None
    duplicates: list[SuggestedDuplicate]
    articles: list[SuggestedArticle]


@router.post(
    "/suggest",
    response=answers(200, Suggestion),
    tags=["intake"],
    summary="智能建议：分类、类型、紧急程度、承办单位、重复工单、知识库",
)
@requires(Capability.SEE_SUGGESTIONS)
def suggest_for_request(request: HttpRequest, body: SuggestIn) -> dict:
    if not body.text.strip():
        raise InvalidInput({"text": "不能为空"})
    return suggest(body.text[:4000], body.address[:200], phone=body.caller_phone[:30])
