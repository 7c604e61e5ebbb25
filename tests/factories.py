"""Factories for tests: a small city, people in every role, and orders in any state.

``city()`` builds two districts with two streets each (with communities and a sub-unit team),
the departments and utilities the taxonomy routes to, and users named by role and unit.
``order_in(state, city)`` drives a fresh order through the real services to that state.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hotline.catalog.models import Category
from hotline.orders import services
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from hotline.org.models import Unit, User
from hotline.org.roles import Role

_seq = itertools.count(1)


def unit(name: str, kind: str, parent: Unit | None, **extra: object) -> Unit:
    return Unit.objects.create(name=name, kind=kind, parent=parent, **extra)


def user(role: Role, unit: Unit, username: str | None = None) -> User:
    return User.objects.create_user(
        username=username or f"{role}-{next(_seq)}", password="x", role=role, unit=unit
    )


@dataclass
class City:
    centre: Unit
    districts: list[Unit]
    streets: list[Unit]
    communities: list[Unit]
    team: Unit  # a sub-unit of streets[0] (城管执法队), an enforcement unit
    departments: dict[str, Unit]
    people: dict[str, User] = field(default_factory=dict)

    def staff(self, role: Role, unit: Unit) -> User:
        key = f"{role}@{unit.pk}"
        if key not in self.people:
            self.people[key] = user(role, unit)
        return self.people[key]

    @property
    def operator(self) -> User:
        return self.staff(Role.OPERATOR, self.centre)

    @property
    def dispatcher(self) -> User:
        return self.staff(Role.DISPATCHER, self.centre)

    @property
    def visitor(self) -> User:
        return self.staff(Role.VISITOR, self.centre)

    @property
    def supervisor(self) -> User:
        return self.staff(Role.SUPERVISOR, self.centre)

    def handler(self, unit: Unit | None = None) -> User:
        return self.staff(Role.HANDLER, unit or self.streets[0])

    def lead(self, unit: Unit | None = None) -> User:
        return self.staff(Role.LEAD, unit or self.streets[0])


def city() -> City:
    centre = Unit.objects.get(kind=Unit.Kind.CENTRE)
    districts, streets, communities = [], [], []
    for dname in ["东城区", "西城区"]:
        district = unit(dname, "district", centre)
        districts.append(district)
        for s in range(2):
            street = unit(
                f"{dname[:2]}{s + 1}街道", "street", district, area_names=f"{dname[:2]}{s + 1}路"
            )
            streets.append(street)
            for c in range(2):
                communities.append(
                    unit(
                        f"{dname[:2]}{s + 1}{c + 1}社区",
                        "community",
                        street,
                        area_names=f"{dname[:2]}{s + 1}{c + 1}小区,{dname[:2]}{s + 1}{c + 1}花园",
                    )
                )
    team = unit("城管执法队", "team", streets[0], enforcement=True)
    departments = {}
    for name in set(
        Category.objects.exclude(routing__in=["local", "hotline"]).values_list(
            "default_unit", flat=True
        )
    ):
        kind = (
            "company"
            if Category.objects.filter(default_unit=name, routing="enterprise").exists()
            else "department"
        )
        departments[name] = unit(name, kind, centre)
    return City(centre, districts, streets, communities, team, departments)


def register(c: City, **kwargs: Any) -> WorkOrder:  # register_order's arguments, of every type
    fields = dict(
        text="东城1路11小区门口垃圾三天没人清运，味道很大",
        caller_name="张先生",
        caller_phone="13812345678",
        address="东城1路11小区3栋",
        category_code="02.01",
        order_type="complaint",
    )
    fields.update(kwargs)
    if "actor" not in fields:  # the default operator, only when no actor (None: a citizen) is given
        fields["actor"] = c.operator
    fields.setdefault("suggestions", {})  # what the model would say is not these tests' subject
    return services.register_order(**fields)


def order_in(
    state: Status, c: City, *, cohandlers: Sequence[Unit] = (), **register_kwargs: Any
) -> WorkOrder:
    """A new order (垃圾清运, routed to streets[0]) brought to ``state`` through the services;
    ``cohandlers`` are the co-handling units given at dispatch."""
    o = register(c, **register_kwargs)
    if state == Status.REGISTERED:
        return o
    if state == Status.CANCELLED:
        return services.cancel_order(order=o, actor=c.dispatcher, reason="测试电话")
    if state == Status.PENDING_DISPATCH:
        return services.review_order(order=o, actor=c.dispatcher)
    if state == Status.MERGED:
        master = register(c)
        return services.merge_order(order=o, actor=c.dispatcher, master=master)
    o = services.dispatch_order(order=o, actor=c.dispatcher, cohandlers=cohandlers)
    if state == Status.DISPATCHED:
        return o
    if state == Status.RETURNED:
        return services.request_return(order=o, actor=c.handler(), reason="不属于本单位职责")
    o = services.accept_order(order=o, actor=c.handler())
    if state == Status.ACCEPTED:
        return o
    o = services.reply_order(order=o, actor=c.handler(), result="已清运完毕", solved=True)
    if state == Status.REPLIED:
        return o
    o = services.approve_reply(order=o, actor=c.dispatcher)
    if state == Status.PENDING_VISIT:
        return o
    assert state == Status.CLOSED, state
    return services.visit_order(order=o, actor=c.visitor, resolved=True, satisfaction="satisfied")
