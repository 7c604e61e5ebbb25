"""Changing the deadline rules; every change is validated before it is saved."""

from django.core.exceptions import ValidationError

from hotline.core.errors import InvalidInput

from .models import SlaPolicy


def save_policy(policy: SlaPolicy) -> SlaPolicy:
    """Validate and save a policy; InvalidInput names each bad field and nothing is saved."""
    try:
        policy.full_clean()
    except ValidationError as e:
        raise InvalidInput({f: "；".join(msgs) for f, msgs in e.message_dict.items()}) from None
    policy.save()
    return policy
