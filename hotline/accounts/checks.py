"""System checks of the account settings; the deploy ones run with ``hotline check --deploy``."""

import os
from collections.abc import Sequence

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from hotline.org.roles import STAFF_ROLES


@checks.register(checks.Tags.security, deploy=True)
def secret_key_from_environment(
    app_configs: Sequence[AppConfig] | None, **kwargs: object
) -> list[checks.CheckMessage]:
    # The key generated under the var folder is for the embedded demo; a production key comes
    # from the environment only (never from a file in the installation or the repository).
    if os.environ.get("HOTLINE_SECRET_KEY"):
        return []
    return [
        checks.Warning(
            "HOTLINE_SECRET_KEY is not set: the secret key was read from a file under the var "
            "folder",
            hint="Set HOTLINE_SECRET_KEY in the environment (50 or more random characters).",
            id="hotline.W001",
        )
    ]


@checks.register(checks.Tags.security)
def two_factor_roles_exist(
    app_configs: Sequence[AppConfig] | None, **kwargs: object
) -> list[checks.CheckMessage]:
    unknown = sorted(set(settings.HOTLINE_TWO_FACTOR_ROLES) - {str(r) for r in STAFF_ROLES})
    if not unknown:
        return []
    return [
        checks.Error(
            f"HOTLINE_TWO_FACTOR_ROLES names unknown roles: {', '.join(unknown)}",
            hint=f"Staff roles are: {', '.join(str(r) for r in STAFF_ROLES)}.",
            id="hotline.E001",
        )
    ]
