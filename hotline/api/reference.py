"""Reference data through the API: units, users, categories, SLA policies, knowledge articles.
Read-only here; the admin edits them."""

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from ninja import Field, Query, Router, Schema

from hotline.catalog.models import Category
from hotline.core import clock
from hotline.knowledge.models import Article
from hotline.knowledge.selectors import search_articles
from hotline.orders.selectors import units_in_view
from hotline.org.models import Unit, User
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest
from hotline.org.selectors import dispatch_targets
from hotline.sla.models import SlaPolicy
from hotline.sla.policy import DeadlineKind

from .schemas import answers

router = Router(tags=["reference"])
Row = TypeVar("Row", bound=Model)


class Paging(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


def _page(queryset: QuerySet[Row], paging: Paging, row: Callable[[Row], dict]) -> dict:
    return {
        "count": queryset.count(),
        "items": [row(x) for x in queryset[paging.offset : paging.offset + paging.limit]],
    }


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    parent: int | None
    path: str
    area_names: list[str]
    enforcement: bool
    active: bool


class UnitPage(Schema):
    count: int
    items: list[UnitOut]


class UnitFilter(Schema):
    dispatch_targets: bool = Field(
        False, description="只列出本人可以派单的单位（与工单页面的承办单位选项相同）"
    )


@router.get("/units", response=answers(200, UnitPage), summary="单位")
@requires(Capability.LIST_UNITS)
def list_units(request: StaffRequest, paging: Query[Paging], only: Query[UnitFilter]) -> dict:
    units = (
        dispatch_targets(request.user.unit)
        if only.dispatch_targets
        else Unit.objects.order_by("path")
    )
    return _page(
        units,
        paging,
        lambda u: {
            "id": u.pk,
            "name": u.name,
            "kind": u.kind,
            "parent": u.parent_id,
            "path": u.path,
            "area_names": list(u.names()[1:]),
            "enforcement": u.enforcement,
            "active": u.active,
        },
    )


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: str
    unit: int | None


class UserPage(Schema):
    count: int
    items: list[UserOut]


@router.get(
    "/users", response=answers(200, UserPage), summary="人员（本单位及下级单位；热线中心可见全部）"
)
@requires(Capability.LIST_USERS)
def list_users(request: StaffRequest, paging: Query[Paging]) -> dict:
    users = User.objects.filter(is_active=True).order_by("username")
    me = request.user
    if (in_view := units_in_view(me)) is not None:
        users = users.filter(unit_id__in=in_view)
    return _page(
        users,
        paging,
        lambda u: {
            "id": u.pk,
            "username": u.username,
            "name": str(u),
            "role": u.role,
            "unit": u.unit_id,
        },
    )


class CategoryOut(Schema):
    code: str
    group: str
    name: str
    routing: str
    default_unit: str
    limit_workdays: int
    scope: str
    active: bool


class CategoryPage(Schema):
    count: int
    items: list[CategoryOut]


@router.get("/categories", response=answers(200, CategoryPage), summary="诉求分类")
@requires(Capability.LIST_CATEGORIES)
def list_categories(request: StaffRequest, paging: Query[Paging]) -> dict:
    return _page(
        Category.objects.order_by("code"),
        paging,
        lambda c: {
            "code": c.code,
            "group": c.group,
            "name": c.name,
            "routing": c.routing,
            "default_unit": c.default_unit,
            "limit_workdays": c.limit_workdays,
            "scope": c.scope,
            "active": c.active,
        },
    )


class Span(Schema):
    amount: int
    unit: str


class PolicyOut(Schema):
    id: int
    name: str
    order_type: str
    category: str | None
    urgency: str
    deadlines: dict[str, Span]


class PolicyPage(Schema):
    count: int
    items: list[PolicyOut]


@router.get("/sla-policies", response=answers(200, PolicyPage), summary="时限规则")
@requires(Capability.LIST_SLA_POLICIES)
def list_policies(request: StaffRequest, paging: Query[Paging]) -> dict:
    def row(p: SlaPolicy) -> dict:
        deadlines = {
            k.value: {"amount": getattr(p, f"{k}_amount"), "unit": getattr(p, f"{k}_unit")}
            for k in DeadlineKind
            if getattr(p, f"{k}_amount") is not None
        }
        return {
            "id": p.pk,
            "name": p.name,
            "order_type": p.order_type,
            "category": p.category_id,
            "urgency": p.urgency,
            "deadlines": deadlines,
        }

    return _page(SlaPolicy.objects.order_by("id"), paging, row)


class ArticleOut(Schema):
    id: int
    title: str
    category: str | None
    path: str
    issuing_unit: str | None
    keywords: str
    body: str
    review_by: date | None
    valid_until: date | None
    score: float | None = None


class ArticlePage(Schema):
    count: int
    items: list[ArticleOut]


class ArticleQuery(Paging):
    q: str = Field(
        "", max_length=200, description="words of a question: ranked by relevance when given"
    )


def _article(a: Article, score: float | None = None) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "category": a.category.code if a.category else None,
        "path": a.path,
        "issuing_unit": a.issuing_unit.name if a.issuing_unit else None,
        "keywords": a.keywords,
        "body": a.body,
        "review_by": a.review_by,
        "valid_until": a.valid_until,
        "score": score,
    }


@router.get("/articles", response=answers(200, ArticlePage), summary="知识库（可按问题检索）")
@requires(Capability.LIST_ARTICLES)
def list_articles(request: StaffRequest, query: Query[ArticleQuery]) -> dict:
    if query.q.strip():
        found = search_articles(query.q, limit=query.offset + query.limit)
        return {"count": len(found), "items": [_article(a, s) for a, s in found[query.offset :]]}
    articles = (
        Article.objects.valid_on(clock.now().date())
        .select_related("category", "issuing_unit")
        .filter(Q(category__isnull=True) | Q(category__active=True))
        .order_by("id")
    )
    return _page(articles, query, _article)
