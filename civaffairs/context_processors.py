from .roles import role_of
from .selectors import scope_of


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    return {"role": role_of(user), "user_scope": scope}
