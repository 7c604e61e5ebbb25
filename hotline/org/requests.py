"""The request a view sees once the login, token or capability check has let it through."""

from django.http import HttpRequest

from .models import User


class StaffRequest(HttpRequest):
    """A request of a signed-in staff member: ``user`` is a ``User``, never the anonymous one."""

    user: User
