"""Two-factor login with a TOTP authenticator app (RFC 6238: 6 digits, 30 s; pyotp computes them).

- A user turns it on by scanning the secret (or typing it) into an authenticator and entering its
  first code; only then is the secret stored. From then on the login asks for a code after the
  password.
- It is required of a user when an admin ticks 必须使用两步验证 on the account, or when the
  user's role is in ``HOTLINE_TWO_FACTOR_ROLES``; such a user sets it up at the next login and
  cannot turn it off.
- A code is accepted for its own 30 seconds and one step either side (phones' clocks drift), and
  only once.
- A lost phone: an admin resets it (admin action or ``hotline accounts reset-two-factor``); the
  user sets it up again at the next login if it is required, or from the account page.

API bearer tokens do not go through the login and are not affected.
"""

import re

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import InvalidInput
from hotline.org.models import User

from .models import TwoFactor

_CODE = re.compile(r"\d{6}")


def required_for(user: User) -> bool:
    return bool(user.two_factor_required) or user.role in settings.HOTLINE_TWO_FACTOR_ROLES


def enrolled(user: User) -> bool:
    return TwoFactor.objects.filter(user=user).exists()


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.get_username(), issuer_name=settings.HOTLINE_TWO_FACTOR_ISSUER
    )


def qr_svg(uri: str) -> str:
    """The address as a QR code, an inline SVG element (no image file, no script)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1f2933", light="#ffffff")


def clean_code(text: str) -> str:
    """The six digits typed (spaces allowed, as apps show "123 456"); InvalidInput otherwise."""
    code = re.sub(r"\s", "", text or "")
    if not _CODE.fullmatch(code):
        raise InvalidInput({"code": _("请输入验证器上显示的 6 位数字")})
    return code


def _step_of(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    now = totp.timecode(timezone.now())
    for step in (now - 1, now, now + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def enrol(*, user: User, secret: str, code: str) -> TwoFactor:
    """Store ``secret`` as the user's authenticator once ``code`` shows the app has it.

    Raises InvalidInput (nothing stored) when the code is malformed or wrong, or when the user
    already has an authenticator (it is reset first).
    """
    code = clean_code(code)
    step = _step_of(secret, code)
    if step is None:
        raise InvalidInput({"code": _("验证码不正确，请核对手机时间后输入验证器上最新的 6 位数字")})
    with transaction.atomic():
        if TwoFactor.objects.select_for_update().filter(user=user).exists():
            raise InvalidInput({"code": _("两步验证已经启用")})
        return TwoFactor.objects.create(
            user=user, secret=secret, confirmed_at=timezone.now(), last_step=step
        )


def verify(*, user: User, code: str) -> bool:
    """True once for each right code of the user's authenticator; False for a wrong or reused
    code, or when the user has none. A malformed code raises InvalidInput."""
    code = clean_code(code)
    device = TwoFactor.objects.filter(user=user).first()
    step = None if device is None else _step_of(device.secret, code)
    if device is None or step is None:
        return False
    # Conditional update: of two requests with the same code, only one moves last_step on.
    return TwoFactor.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1


def disable(*, user: User, code: str) -> None:
    """The user turns two-factor off with a current code; refused (InvalidInput, nothing changed)
    when it is required of them or the code is wrong."""
    if required_for(user):
        raise InvalidInput(
            {"code": _("您的账户必须使用两步验证，不能关闭；更换手机请联系管理员重置")}
        )
    if not verify(user=user, code=code):
        raise InvalidInput({"code": _("验证码不正确")})
    TwoFactor.objects.filter(user=user).delete()


def reset(*, user: User) -> bool:
    """An admin removes the user's authenticator (lost phone); True if there was one."""
    return TwoFactor.objects.filter(user=user).delete()[0] > 0
