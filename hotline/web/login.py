"""The staff login: the password, then the authenticator's code for users who have two-factor
login (or sets it up first when it is required of them and not yet set up).

Until the last step succeeds the session is not signed in: it only remembers, for five minutes,
whose password was right. Every step is refused while the username or the client address is
locked (hotline/accounts/services.py); wrong passwords and wrong codes count towards the lock,
empty or malformed input does not (it is answered and nothing changes).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from hotline.accounts import services as accounts
from hotline.accounts import two_factor
from hotline.core.errors import InvalidInput
from hotline.core.ratelimit import client_ip
from hotline.org.models import User

PENDING = "hotline_login_pending"
PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else ""


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password."""
    form, error = AuthenticationForm(request), None
    if request.method == "POST":
        username, address = request.POST.get("username", ""), client_ip(request)
        form = AuthenticationForm(request, data=request.POST)
        if not username.strip() or not request.POST.get("password"):
            error = _("请输入用户名和密码。")
        elif refusal := accounts.login_refusal(username=username, address=address):
            error = refusal
        elif form.is_valid():
            return _password_right(request, form.get_user())
        else:
            accounts.login_failed(username=username, address=address)
            error = _("用户名或密码不正确。")
    return render(
        request,
        "registration/login.html",
        {"form": form, "error": error, "next": _next_url(request)},
        status=400 if error else 200,
    )


def _password_right(request: HttpRequest, user: User) -> HttpResponse:
    next_url = _next_url(request)
    if two_factor.enrolled(user) or two_factor.required_for(user):
        request.session.cycle_key()  # a new key for the half-signed-in session too
        request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": next_url,
        }
        return redirect("login_code" if two_factor.enrolled(user) else "login_enrol")
    return _signed_in(request, user, user.backend, next_url)


def _signed_in(request: HttpRequest, user: User, backend: str, next_url: str) -> HttpResponse:
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=backend)
    accounts.login_succeeded(username=user.get_username())
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def _pending(request: HttpRequest) -> tuple[User, dict] | None:
    data = request.session.get(PENDING)
    if data and time.time() - data["at"] <= PENDING_SECONDS:
        user = User.objects.filter(pk=data["user"], is_active=True).first()
        if user is not None:
            return user, data
    request.session.pop(PENDING, None)
    return None


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("请重新输入用户名和密码。"))
    return redirect("login")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Step 2 for users with two-factor login: the authenticator's 6-digit code."""
    if (pending := _pending(request)) is None:
        return _start_again(request)
    user, data = pending
    if not two_factor.enrolled(user):  # reset by an admin meanwhile
        return redirect("login_enrol") if two_factor.required_for(user) else _start_again(request)
    error = None
    if request.method == "POST":
        address = client_ip(request)
        if refusal := accounts.login_refusal(username=user.get_username(), address=address):
            request.session.pop(PENDING, None)
            messages.info(request, refusal)
            return redirect("login")
        try:
            right = two_factor.verify(user=user, code=request.POST.get("code", ""))
        except InvalidInput as invalid:
            error = invalid.errors["code"]
        else:
            if right:
                return _signed_in(request, user, data["backend"], data["next"])
            accounts.login_failed(username=user.get_username(), address=address)
            error = _("验证码不正确或已经用过，请输入验证器上最新的 6 位数字。")
    return render(
        request, "registration/login_code.html", {"error": error}, status=400 if error else 200
    )


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Step 2 for users who must use two-factor login and have not set it up: set it up now."""
    if (pending := _pending(request)) is None:
        return _start_again(request)
    user, data = pending
    if two_factor.enrolled(user):
        return redirect("login_code")
    # The secret is kept for the half-signed-in session, so reloading the page shows the same one.
    secret = data.setdefault("secret", two_factor.new_secret())
    request.session[PENDING] = data
    error = None
    if request.method == "POST":
        if refusal := accounts.login_refusal(
            username=user.get_username(), address=client_ip(request)
        ):
            request.session.pop(PENDING, None)
            messages.info(request, refusal)
            return redirect("login")
        try:
            two_factor.enrol(user=user, secret=secret, code=request.POST.get("code", ""))
        except InvalidInput as invalid:
            error = invalid.errors["code"]
        else:
            messages.success(request, _("两步验证已启用，以后登录时请输入验证器上的验证码。"))
            return _signed_in(request, user, data["backend"], data["next"])
    uri = two_factor.provisioning_uri(user=user, secret=secret)
    return render(
        request,
        "registration/login_enrol.html",
        {
            "secret": secret,
            "uri": uri,
            "qr": two_factor.qr_svg(uri),
            "error": error,
        },
        status=400 if error else 200,
    )
