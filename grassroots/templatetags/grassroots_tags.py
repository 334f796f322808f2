from django import template

from grassroots.access import can_read

register = template.Library()


@register.filter
def reads_grassroots(user):
    """Whether the user reads the grassroots section's screens (its staff and chief, the director,
    the auditor)."""
    return bool(getattr(user, "is_authenticated", False) and can_read(user))
