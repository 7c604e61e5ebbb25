"""Default deadlines from published rules (DESIGN.md section 4); policies are data, edit them in the admin.

- every order: accept 2 working hours, first contact 1 working day, finish 5 working days,
  reopened 3 working days, visit 3 working days;
- 咨询, 建议, 表扬: finish 1 working day;
- 紧急: accept 30 min, contact 2 h, finish 1 day, reopened 1 day, visit 1 working day (on the clock);
- 特急: accept 10 min, contact 30 min, finish 2 h, reopened 2 h, visit 1 working day;
- each category whose taxonomy limit is not 5 working days: that limit.
"""

from django.db import migrations

DEFAULTS = [
    dict(
        name="默认时限",
        accept=(2, "wh"),
        contact=(1, "wd"),
        finish=(5, "wd"),
        reopen_finish=(3, "wd"),
        visit=(3, "wd"),
    ),
    dict(name="咨询类", order_type="consultation", finish=(1, "wd")),
    dict(name="建议类", order_type="suggestion", finish=(1, "wd")),
    dict(name="表扬类", order_type="praise", finish=(1, "wd")),
    dict(
        name="紧急",
        urgency="urgent",
        accept=(30, "min"),
        contact=(2, "h"),
        finish=(1, "d"),
        reopen_finish=(1, "d"),
        visit=(1, "wd"),
    ),
    dict(
        name="特急",
        urgency="critical",
        accept=(10, "min"),
        contact=(30, "min"),
        finish=(2, "h"),
        reopen_finish=(2, "h"),
        visit=(1, "wd"),
    ),
]
KINDS = ("accept", "contact", "finish", "reopen_finish", "visit")


def create(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    Category = apps.get_model("catalog", "Category")
    rows = list(DEFAULTS)
    for category in Category.objects.exclude(limit_workdays=5):
        rows.append(
            dict(
                name=f"{category.code} {category.name}",
                category_id=category.code,
                finish=(category.limit_workdays, "wd"),
            )
        )
    for row in rows:
        fields = {k: v for k, v in row.items() if k not in KINDS}
        for kind in KINDS:
            if kind in row:
                fields[f"{kind}_amount"], fields[f"{kind}_unit"] = row[kind]
        SlaPolicy.objects.create(**fields)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("catalog", "0002_default_taxonomy")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
