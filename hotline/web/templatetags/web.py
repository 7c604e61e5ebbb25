from django import template

from hotline.org import permissions

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, '' when absent (form errors and posted values by field
    name)."""
    return mapping.get(key, "") if mapping else ""


@register.filter
def may(user, capability: str) -> bool:
    """``user|may:"register"``: the permission table's answer, so a link shows to exactly those
    the view behind it lets in."""
    return permissions.may(user, capability)
