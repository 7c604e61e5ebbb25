"""What every API error looks like, the text a required field must hold, and the version every
action takes."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from django.db.models import TextChoices
from ninja import Field, Router, Schema
from pydantic import AfterValidator, BeforeValidator, StrictBool, StrictInt

from hotline.org.permissions import Capability, requires

Flag = StrictBool  # true or false, not 0 or "yes"
Count = StrictInt  # a JSON number, not "3" or true


def _iso_only(value: object) -> object:
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"[-+]?[\d.eE+-]+", value.strip())
    ):
        raise ValueError("需要 ISO 8601 时间，例如 2026-11-22T09:00:00+08:00")
    return value


def _real_offset(value: datetime) -> datetime:
    # Time zones on Earth lie between UTC-12 and UTC+14; the database refuses offsets past 16 hours.
    offset = value.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=14):
        raise ValueError("时区偏移须在 -12:00 至 +14:00 之间")
    return value


# A moment written as ISO 8601 (a bare number is not read as seconds since 1970).
Moment = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_real_offset)]

# At least one character that is neither white space nor a control character (both are removed
# before a text is stored, so a text of only those is empty).
Text = Annotated[str, Field(min_length=1, pattern=r"[^\s\x00-\x1f\x7f-\x9f]")]


class ApiError(Schema):
    code: str
    message: str
    errors: dict[str, str] | None = None
    reason: str | None = None


ERRORS = frozenset({400, 401, 403, 404, 409, 422})


def answers(ok: int, schema: object) -> dict:
    """The responses of an operation: ``schema`` on success, ``ApiError`` for every error it can
    give."""
    return {ok: schema, ERRORS: ApiError}


class ActionIn(Schema):
    """The body of an action: its optimistic lock. A service refuses the action (409) when what it
    acts on was changed after the client read it."""

    version: Count | None = Field(
        None, description="客户端最后读到的版本；此后已被他人更新则为 409 冲突"
    )


class Note(ActionIn):
    note: str = ""


class Reason(ActionIn):
    reason: Text


def mount_action(
    router: Router,
    view: Callable[..., Any],
    *,
    subject: str,
    key: str,
    action: TextChoices,
    capability: Capability,
    detail: type[Schema],
) -> None:
    """One lifecycle action as ``POST /{key}/{action}``, named ``{subject}_{action}`` in the
    document, refused (403) to whoever lacks ``capability``, answering ``detail``."""
    view.__name__ = f"{subject}_{action.value}"
    router.post(
        f"/{{{key}}}/{action.value}",
        response=answers(200, detail),
        summary=f"{action.label}（{action.value}）",
        operation_id=view.__name__,
    )(requires(capability)(view))
