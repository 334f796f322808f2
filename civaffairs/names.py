"""People as every screen names them: 陈志明, not `shicheng`.

One function, used by the `person_name` template filter (civaffairs/templatetags/display.py), the
tables' PersonColumn (civaffairs/tables.py) and the audit log.
"""

import re

_CJK = re.compile(r"[\u3400-\u9fff]")


def person_name(user):
    """The user's name, family name first as Chinese is written (last_name 陈 + first_name 志明 →
    陈志明; a Latin name keeps Django's "first last"); the username when no name is set; "" for
    nobody (a request not yet decided), so templates can add `|default:"—"`."""
    if user is None or user == "":
        return ""
    if isinstance(user, str):
        return user
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (first or last):
        return user.get_username()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
