"""Who may do what in 社会福利和社会事务: the section's staff record, its chief decides, the
director and the auditor read. Registrations and cremations hold personal data (PIPL), so no
one else sees them: not town caseworkers, not the other sections."""

import functools

from django.core.exceptions import PermissionDenied

from civaffairs.models import Section
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR, role_of
from civaffairs.selectors import user_section, user_town


def _section_member(user, role):
    return role_of(user) == role and user_town(user) is None and user_section(user) == Section.WELFARE


def is_welfare_staff(user):
    return _section_member(user, CASEWORKER)


def is_welfare_chief(user):
    return _section_member(user, CHIEF)


def can_read_welfare(user):
    return is_welfare_staff(user) or is_welfare_chief(user) or role_of(user) in (DIRECTOR, AUDITOR)


def check_staff(actor):
    if not is_welfare_staff(actor):
        raise PermissionDenied("只有社会福利和社会事务股的经办人员可以办理此事项。")


def check_chief(actor):
    if not is_welfare_chief(actor):
        raise PermissionDenied("只有社会福利和社会事务股股长可以审批此事项。")


def _guard(check):
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied("您的账号无权访问社会福利和社会事务的此项内容。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


reader_required = _guard(can_read_welfare)
staff_required = _guard(is_welfare_staff)
chief_required = _guard(is_welfare_chief)
