import pyotp
import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from hotline.accounts.models import TwoFactor
from hotline.org.models import User
from hotline.org.roles import Role
from tests import factories

PASSWORD = "Jiangling-12345"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # Logins check passwords again and again here; the default hasher would dominate the runtime.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def operator(city: factories.City) -> User:
    """The centre's operator, with a password that passes every rule."""
    user = factories.user(Role.OPERATOR, city.centre, username="wang.fang")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> HttpResponse:
    return client.post("/login/", {"username": username, "password": password, **extra})


def with_two_factor(user: User) -> pyotp.TOTP:
    """Give ``user`` a confirmed authenticator; the TOTP an app holding it would show."""
    secret = pyotp.random_base32()
    TwoFactor.objects.create(user=user, secret=secret, confirmed_at=timezone.now())
    return pyotp.TOTP(secret)


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200
