from .models import Section
from .roles import role_of
from .selectors import may_reveal, may_see_whole_numbers, scope_of


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    return {
        "role": role_of(user),
        "user_scope": scope,
        "can_reveal": may_reveal(user),
        "can_see_whole_numbers": may_see_whole_numbers(user),
        # The menus of social assistance (and the registry it keeps) for those whose scope holds
        # them: towns, 社会救助股, the director and auditor; not the other sections.
        "sees_assistance": sees_assistance(user),
        "decides_payees": sees_assistance(user)
        or (scope is not None and scope.section == Section.GRASSROOTS),
    }


def sees_assistance(user):
    scope = scope_of(user)
    return scope is None or scope.section in ("", Section.ASSISTANCE)
