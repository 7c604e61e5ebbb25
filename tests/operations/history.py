"""A small city's March 2023 through the real services, and the figures a backup or the retention
period must leave as they were.

``build(city)`` leaves, all registered in March 2023 (long past the default retention period):
a closed order visited as satisfied with a photo, one urged when overdue and then visited as
basically satisfied but unresolved, one closed without a visit, one cancelled, one merged into a
master that is still open, and one still open and overdue; plus a closed order of today.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from hotline.analytics import rates, selectors
from hotline.analytics.selectors import Period
from hotline.analytics.services import refresh_rollup
from hotline.core import clock
from hotline.orders import services
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Status
from tests import factories

OLD = datetime(2023, 3, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday
MONTH = Period.month(2023, 3)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100

NAME, PHONE, OTHER_PHONE = "李秀兰", "13912345678", "13598765432"
ID_NUMBER, EMAIL = "110101199003071234", "lixiulan@example.com"
ADDRESS = "东城1路11小区3栋502室"
# What must not be found anywhere in an anonymised order's rows.
PERSONAL = (NAME, PHONE, OTHER_PHONE, ID_NUMBER, EMAIL, "3栋502室")
CALL = dict(
    caller_name=NAME,
    caller_phone=PHONE,
    address=ADDRESS,
    latitude="39.912345",
    longitude="116.412345",
    text=f"{NAME}反映{ADDRESS}门口垃圾三天没人清运，电话{PHONE}，备用{OTHER_PHONE}，"
    f"身份证{ID_NUMBER}，邮箱{EMAIL}",
)


def build(c: factories.City) -> dict[str, WorkOrder]:
    h, dispatcher, visitor = c.handler(), c.dispatcher, c.visitor
    with clock.frozen_at(OLD):
        orders = {"closed": factories.order_in(Status.ACCEPTED, c, **CALL)}
        services.attach_files(
            order=orders["closed"], actor=h, files=[SimpleUploadedFile("现场.png", PNG)]
        )
        o = services.stage_reply(
            order=WorkOrder.objects.get(pk=orders["closed"].pk),
            actor=h,
            text=f"已联系{NAME}（{PHONE}），明日清运",
        )
        o = services.reply_order(order=o, actor=h, result=f"已清运，{NAME}确认", solved=True)
        o = services.approve_reply(order=o, actor=dispatcher)
        orders["closed"] = services.visit_order(
            order=o,
            actor=visitor,
            resolved=True,
            satisfaction="satisfied",
            note=f"回访{PHONE}，满意",
        )
        late = factories.register(c, **CALL)
        late = services.dispatch_order(order=late, actor=dispatcher)
        orders["not visited"] = services.close_order(
            order=factories.order_in(Status.PENDING_VISIT, c, **CALL),
            actor=dispatcher,
            reason=f"电话{PHONE}无人接听",
        )
        orders["cancelled"] = factories.order_in(Status.CANCELLED, c, **CALL)
        orders["merged"] = factories.order_in(Status.MERGED, c, **CALL)
        orders["old open master"] = orders["merged"].duplicate_of
        orders["old open"] = services.dispatch_order(
            order=factories.register(c, **CALL), actor=dispatcher
        )
    with clock.frozen_at(OLD + timedelta(days=10)):
        services.sweep_overdue()  # urges both dispatched orders
        late = services.accept_order(order=WorkOrder.objects.get(pk=late.pk), actor=h)
        late = services.reply_order(order=late, actor=h, result="已处理", solved=False)
        late = services.approve_reply(order=late, actor=dispatcher)
        orders["urged"] = services.visit_order(
            order=late, actor=visitor, resolved=False, satisfaction="basically"
        )
    orders["recent"] = factories.order_in(Status.CLOSED, c, **CALL)
    while refresh_rollup()["rolled up"]:
        pass
    return {k: WorkOrder.objects.get(pk=o.pk) for k, o in orders.items()}


def month_figures(period: Period = MONTH) -> dict:
    """The month's figures as the monthly report shows them: the city's counters and rates, and
    each ranking's units with their scores and rates (by name, so two databases compare)."""
    totals = selectors.totals(period)
    return {
        "totals": totals,
        "rates": {r.code: r.of(totals) for r in rates.RATES},
        "rankings": {
            kind: [(f.unit.name, f.score, f.satisfaction_score, f.rates, f.counts) for f in table]
            for kind, table in selectors.unit_rankings(period).items()
        },
    }


def row_counts() -> dict[str, int]:
    """Rows in every model's table, and in django_migrations."""
    counts = {
        m._meta.db_table: m._base_manager.count()
        for m in apps.get_models(include_auto_created=True)
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        counts["django_migrations"] = cursor.fetchone()[0]
    return counts
