"""Who may do what in the grassroots section: its district staff enter and prepare, its chief
approves; the director and the auditor read. Clue contents: the chief and the director only."""

from django.core.exceptions import PermissionDenied

from civaffairs.models import Section
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR, role_of
from civaffairs.selectors import scope_of


def _section_member(user, role):
    scope = scope_of(user)
    return (
        role_of(user) == role
        and bool(scope)
        and scope.town_id is None
        and scope.section == Section.GRASSROOTS
    )


def is_grassroots_staff(user):
    """District staff of 基层政权和社区建设股 (a caseworker bound to the section)."""
    return _section_member(user, CASEWORKER)


def is_grassroots_chief(user):
    return _section_member(user, CHIEF)


def can_read(user):
    return is_grassroots_staff(user) or is_grassroots_chief(user) or role_of(user) in (DIRECTOR, AUDITOR)


def can_read_clues(user):
    """扫黑除恶 clue contents: confidential to the grassroots chief and the director."""
    return is_grassroots_chief(user) or role_of(user) == DIRECTOR


def require_staff(actor):
    if not is_grassroots_staff(actor):
        raise PermissionDenied("只有基层政权和社区建设股的经办人员可以办理此事项。")


def require_chief(actor):
    if not is_grassroots_chief(actor):
        raise PermissionDenied("只有基层政权和社区建设股股长可以办理此事项。")


def require_reader(actor):
    if not can_read(actor):
        raise PermissionDenied("您的账号无权查看基层政权和社区建设股的业务。")
