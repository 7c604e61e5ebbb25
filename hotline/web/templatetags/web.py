from collections.abc import Mapping

from django import template
from django.contrib.auth.models import AnonymousUser

from hotline.org import permissions
from hotline.org.models import User

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, object] | None, key: str) -> object:
    """``mapping[key]`` in a template, '' when absent (form errors and posted values by field
    name)."""
    return mapping.get(key, "") if mapping else ""


@register.filter
def may(user: User | AnonymousUser, capability: str) -> bool:
    """``user|may:"register"``: the permission table's answer, so a link shows to exactly those
    the view behind it lets in."""
    return permissions.may(user, capability)
