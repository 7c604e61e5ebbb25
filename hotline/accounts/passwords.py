"""Password rules beside Django's own (likeness to the user's details, common passwords, all
digits): a minimum length said in Chinese, and characters of at least two kinds."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hotline.org.models import User


def character_kinds(password: str) -> int:
    """How many of the kinds lower-case letters, upper-case letters, digits and other characters
    (punctuation, spaces, Chinese characters, …) the password uses."""
    return sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
        ]
    )


class CharacterKindsValidator:
    """At least ``min_kinds`` of the four kinds of character (default 2)."""

    def __init__(self, min_kinds: int = 2):
        self.min_kinds = min_kinds

    def validate(self, password: str, user: User | None = None) -> None:
        if character_kinds(password) < self.min_kinds:
            raise ValidationError(self.get_help_text(), code="password_too_uniform")

    def get_help_text(self) -> str:
        return _("密码至少要包含 %(kinds)d 类字符：小写字母、大写字母、数字、其他符号。") % {
            "kinds": self.min_kinds
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule (default here: 10) with its message in the catalogue: Django 5.2
    changed the English text and its Chinese translation no longer matches it."""

    def __init__(self, min_length: int = 10):
        super().__init__(min_length)

    def get_error_message(self) -> str:
        return _("密码太短，至少要有 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少要有 %(min_length)d 个字符。") % {"min_length": self.min_length}
