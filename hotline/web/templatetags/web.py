from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, '' when absent (form errors and posted values by field name)."""
    return mapping.get(key, "") if mapping else ""
