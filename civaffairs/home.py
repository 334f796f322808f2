"""Home-page panels: each domain app registers a function (user) -> list of (label, count, url)."""

_PANELS = []


def register_panel(function):
    _PANELS.append(function)
    return function


def panels_for(user):
    items = []
    for function in _PANELS:
        items.extend(function(user))
    return items
