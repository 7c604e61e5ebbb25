"""Links sent to citizens: tracking an order and rating it.

The survey link carries the order number signed with the site's secret, so that only whoever
received the message can rate that order; the citizen portal checks the signature.
"""

from django.conf import settings
from django.core import signing
from django.utils.http import urlencode

SURVEY_SALT = "hotline.survey"


def tracking_url(number: str) -> str:
    return f"{settings.HOTLINE_PUBLIC_URL}/portal/track/?{urlencode({'number': number})}"


def survey_url(number: str) -> str:
    token = signing.dumps(number, salt=SURVEY_SALT, compress=True)
    return f"{settings.HOTLINE_PUBLIC_URL}/portal/rate/{token}/"


def survey_number(token: str, max_age_days: int = 30) -> str | None:
    """The order number a survey link was made for, or None if it is forged or expired."""
    try:
        return signing.loads(token, salt=SURVEY_SALT, max_age=max_age_days * 86400)
    except signing.BadSignature:
        return None
