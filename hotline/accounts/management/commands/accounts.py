from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.accounts import services, two_factor
from hotline.org.models import User


class Command(BaseCommand):
    help = (
        "Staff accounts: locked (the login locks in force), unlock USERNAME | --address IP, "
        "reset-two-factor USERNAME (a lost phone: the user sets it up again)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("locked")
        unlock = sub.add_parser("unlock")
        unlock.add_argument("username", nargs="?")
        unlock.add_argument("--address", help="a client address locked for too many failures")
        sub.add_parser("reset-two-factor").add_argument("username")

    def handle(self, *args: str, verb: str, **options: Any) -> None:
        if verb == "locked":
            for row in services.current_locks():
                self.stdout.write(
                    f"{row.scope:8}  {row.key}  {row.failures} failures  "
                    f"locked until {row.locked_until:%Y-%m-%d %H:%M:%S %Z}"
                )
        elif verb == "unlock":
            if not options["username"] and not options["address"]:
                raise CommandError("name a USERNAME or an --address to unlock")
            cleared = services.unlock(username=options["username"], address=options["address"])
            self.stdout.write(
                f"cleared {cleared} lock(s) or count(s)"
                if cleared
                else "nothing to clear: not locked"
            )
        else:
            try:
                user = User.objects.get(username=options["username"])
            except User.DoesNotExist:
                raise CommandError(f"no user named {options['username']!r}") from None
            done = two_factor.reset(user=user)
            self.stdout.write(
                f"two-factor reset for {user.username}"
                if done
                else f"{user.username} had no two-factor set up"
            )
