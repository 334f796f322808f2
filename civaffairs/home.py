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


# The director's desk lists the bureau's to-dos by section. Each domain app registers its own
# (approvals waiting, cases overdue for review, open hazards …), with the link to the list that
# shows exactly the records counted; the desk only renders them.
_BUREAU_TODOS = []


def register_bureau_todo(function):
    """function(user, today) -> list of {"section", "label", "count", "url"}: the url opens the list
    of exactly the `count` records (counted and listed through the same selector and filter)."""
    _BUREAU_TODOS.append(function)
    return function


def bureau_todos(user, today):
    items = []
    for function in _BUREAU_TODOS:
        items.extend(function(user, today))
    return items
