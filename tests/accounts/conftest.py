import pyotp
import pytest
from django.utils import timezone

from hotline.accounts.models import TwoFactor
from hotline.org.roles import Role
from tests import factories

PASSWORD = "Jiangling-12345"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Logins check passwords again and again here; the default hasher would dominate the runtime.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def operator(city):
    """The centre's operator, with a password that passes every rule."""
    user = factories.user(Role.OPERATOR, city.centre, username="wang.fang")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def with_two_factor(user) -> pyotp.TOTP:
    """Give ``user`` a confirmed authenticator; the TOTP an app holding it would show."""
    secret = pyotp.random_base32()
    TwoFactor.objects.create(user=user, secret=secret, confirmed_at=timezone.now())
    return pyotp.TOTP(secret)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200
