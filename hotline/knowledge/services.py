"""Writing the knowledge base."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction

from hotline.catalog.selectors import category_by_code
from hotline.core.errors import InvalidInput
from hotline.orders.validation import clean_text
from hotline.org.models import Unit, User

from .models import Article


@transaction.atomic
def import_articles(
    rows: Iterable[dict], *, today: date, owner: User | None = None
) -> list[Article]:
    """Create articles from dicts with title, category (code), unit (name), keywords (list),
    body and review_months. All or nothing: a bad row raises InvalidInput naming it."""
    units = {u.name: u for u in Unit.objects.filter(active=True)}
    created = []
    for number, row in enumerate(rows, 1):
        try:
            unit = units.get(row.get("unit", ""))
            if row.get("unit") and unit is None:
                raise InvalidInput({"unit": f"没有名为「{row['unit']}」的单位"})
            created.append(
                Article.objects.create(
                    title=clean_text(row.get("title"), "title", max_length=200),
                    category=category_by_code(row["category"]) if row.get("category") else None,
                    issuing_unit=unit,
                    keywords=clean_text(
                        " ".join(row.get("keywords", [])),
                        "keywords",
                        required=False,
                        max_length=300,
                    ),
                    body=clean_text(row.get("body"), "body"),
                    owner=owner,
                    review_by=today + timedelta(days=30 * int(row.get("review_months", 12))),
                    valid_from=today,
                )
            )
        except InvalidInput as error:
            raise InvalidInput(
                {f"第{number}条.{field}": message for field, message in error.errors.items()}
            ) from None
    return created
