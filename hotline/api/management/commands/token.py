from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.api.models import ApiToken
from hotline.api.services import create_token, revoke_tokens
from hotline.core.errors import InvalidInput
from hotline.org.models import User


class Command(BaseCommand):
    help = "API tokens: create USERNAME (prints a new token), revoke PREFIX, list USERNAME."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("create").add_argument("username")
        sub.add_parser("revoke").add_argument("prefix")
        sub.add_parser("list").add_argument("username")

    def handle(self, *args: str, verb: str, **options: Any) -> None:
        try:
            if verb == "create":
                self.stdout.write(create_token(user=self._user(options["username"])))
            elif verb == "revoke":
                self.stdout.write(f"revoked {revoke_tokens(prefix=options['prefix'])} token(s)")
            else:
                for t in ApiToken.objects.filter(user=self._user(options["username"])):
                    state = (
                        "revoked " + format(t.revoked_at, "%Y-%m-%d %H:%M")
                        if t.revoked_at
                        else "active"
                    )
                    self.stdout.write(
                        f"{t.prefix}…  created {t.created_at:%Y-%m-%d %H:%M}  {state}"
                    )
        except InvalidInput as error:
            raise CommandError(error.message) from None

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
