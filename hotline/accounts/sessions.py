"""Staff sessions end after ``HOTLINE_SESSION_IDLE_MINUTES`` without a request, and
``HOTLINE_SESSION_MAX_HOURS`` after the login however busy they were; and at logout.

The login stamps the session with its time; every request checks both limits before any view
runs and logs an ended session out (the session is flushed: its key is dead on the server, not
just forgotten by the browser). The last-seen time is written at most once a minute, so a busy
user's requests do not each rewrite the session. A signed-in session without the stamp (made
before these rules) is ended too. Real time, not the domain clock.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from hotline.org.models import User

LOGIN_AT = "hotline_login_at"
SEEN_AT = "hotline_seen_at"
# How stale the last-seen time may get before a request writes it again.
TOUCH_SECONDS = 60


@receiver(user_logged_in)
def _stamp_login(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: object
) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = request.session[SEEN_AT] = now


def ended(session: SessionBase, now: float) -> str | None:
    """Why a signed-in session has ended at ``now`` (a message for the user), or None."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return _("登录已失效，请重新登录。")
    if now - login_at >= settings.HOTLINE_SESSION_MAX_HOURS * 3600:
        return _("登录已超过 %(hours)d 小时，请重新登录。") % {
            "hours": settings.HOTLINE_SESSION_MAX_HOURS
        }
    if now - seen_at >= settings.HOTLINE_SESSION_IDLE_MINUTES * 60:
        return _("您已 %(minutes)d 分钟没有操作，请重新登录。") % {
            "minutes": settings.HOTLINE_SESSION_IDLE_MINUTES
        }
    return None


def session_expiry(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware (after authentication): end sessions past their limits, keep live ones fresh."""

    def middleware(request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = time.time()
            if reason := ended(session, now):
                logout(request)
                messages.info(request, reason, fail_silently=True)
            elif now - session[SEEN_AT] >= TOUCH_SECONDS:
                session[SEEN_AT] = int(now)
        return get_response(request)

    return middleware
