"""A member of staff's own account (我的账户): change the password, turn two-factor login on or
off."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from hotline.accounts import two_factor
from hotline.core.errors import InvalidInput
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest

ENROL_SECRET = "hotline_two_factor_secret"


def _page(request: StaffRequest, *, error: str | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    return render(
        request,
        "web/account.html",
        {
            "enrolled": two_factor.enrolled(user),
            "required": two_factor.required_for(user),
            "error": error,
        },
        status=status,
    )


@login_required
@requires(Capability.MANAGE_ACCOUNT)
def account(request: StaffRequest) -> HttpResponse:
    return _page(request)


@sensitive_post_parameters()
@login_required
@requires(Capability.MANAGE_ACCOUNT)
@require_http_methods(["GET", "POST"])
def password_change(request: StaffRequest) -> HttpResponse:
    """Django's password change (old password, new one twice), checked by every password rule."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)  # this session stays; the user's others end
        messages.success(request, _("密码已修改。"))
        return redirect("web:account")
    return render(
        request, "web/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


@sensitive_post_parameters("code")
@login_required
@requires(Capability.MANAGE_ACCOUNT)
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: StaffRequest) -> HttpResponse:
    """Show a new secret (kept in the session until confirmed) and store it once a code matches."""
    if two_factor.enrolled(request.user):
        return redirect("web:account")
    secret = request.session.setdefault(ENROL_SECRET, two_factor.new_secret())
    error = None
    if request.method == "POST":
        try:
            two_factor.enrol(user=request.user, secret=secret, code=request.POST.get("code", ""))
        except InvalidInput as invalid:
            error = invalid.errors["code"]
        else:
            request.session.pop(ENROL_SECRET, None)
            messages.success(request, _("两步验证已启用，以后登录时请输入验证器上的验证码。"))
            return redirect("web:account")
    uri = two_factor.provisioning_uri(user=request.user, secret=secret)
    return render(
        request,
        "web/two_factor_enrol.html",
        {
            "secret": secret,
            "uri": uri,
            "qr": two_factor.qr_svg(uri),
            "error": error,
        },
        status=400 if error else 200,
    )


@sensitive_post_parameters("code")
@login_required
@requires(Capability.MANAGE_ACCOUNT)
@require_POST
def two_factor_disable(request: StaffRequest) -> HttpResponse:
    try:
        two_factor.disable(user=request.user, code=request.POST.get("code", ""))
    except InvalidInput as invalid:
        return _page(request, error=invalid.errors["code"], status=400)
    messages.success(request, _("两步验证已关闭。"))
    return redirect("web:account")
