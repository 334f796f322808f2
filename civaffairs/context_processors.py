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
    }
