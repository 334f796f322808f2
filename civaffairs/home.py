"""Home-page panels: each domain app registers a function (user) -> list of (label, count, url).
Widgets: a function (request) -> HTML or None, shown above the panels (the director's dashboard)."""

_PANELS = []
_WIDGETS = []


def register_panel(function):
    _PANELS.append(function)
    return function


def panels_for(user):
    items = []
    for function in _PANELS:
        items.extend(function(user))
    return items


def register_widget(function):
    _WIDGETS.append(function)
    return function


def widgets_for(request):
    return [html for html in (function(request) for function in _WIDGETS) if html]
