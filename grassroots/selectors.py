"""What a user may see of the grassroots section: its staff and chief, the director and the
auditor read; everyone else sees nothing. Clue contents: the chief and the director only."""

from django.db.models import Count, Q

from civaffairs.models import Activity, ApprovalStatus, Payroll, Project, Section
from civaffairs.selectors import payrolls_for, standards_for

from . import labels as L
from .access import can_read, can_read_clues
from .models import (
    ClueForm,
    GuidanceDocument,
    SocialOrganization,
    SocialWorker,
    SocialWorkStation,
    SupervisorMember,
    VillageRule,
    XiangxianCouncil,
)
from .programs import SUPERVISOR


def _readable(user, queryset):
    return queryset if user.is_authenticated and can_read(user) else queryset.none()


def members_for(user):
    return _readable(
        user, SupervisorMember.objects.select_related("person", "committee", "town", "case", "created_by")
    )


def allowance_standards_for(user):
    return _readable(user, standards_for(user).filter(program__code=SUPERVISOR))


def allowance_payrolls_for(user):
    return _readable(user, payrolls_for(user).filter(program__code=SUPERVISOR))


def stations_for(user):
    return _readable(
        user, SocialWorkStation.objects.select_related("town").annotate(worker_count=Count("workers"))
    )


def workers_for(user):
    return _readable(user, SocialWorker.objects.select_related("station__town"))


def projects_for(user):
    return _readable(user, Project.objects.filter(section=Section.GRASSROOTS).select_related("region__town"))


def village_rules_for(user):
    return _readable(user, VillageRule.objects.select_related("region__parent", "town"))


def guidance_for(user):
    return _readable(user, GuidanceDocument.objects.all())


def organizations_for(user):
    return _readable(user, SocialOrganization.objects.select_related("town"))


def councils_for(user):
    return _readable(user, XiangxianCouncil.objects.select_related("village__parent", "town"))


def publicity_for(user):
    return _readable(
        user,
        Activity.objects.filter(section=Section.GRASSROOTS, kind=L.ANTIGANG_PUBLICITY).select_related(
            "region", "recorded_by"
        ),
    )


def clues_for(user):
    """Clue rows with their contents: the chief and the director; nobody else."""
    qs = ClueForm.objects.select_related("village", "town", "recorded_by")
    return qs if user.is_authenticated and can_read_clues(user) else qs.none()


def clue_to_open(user=None):
    """The clue a page opens: found for anyone, so that open_clue refuses the wrong user in words
    (and the right one's opening is audited), rather than a bare 404."""
    return ClueForm.objects.select_related("village", "town", "recorded_by")


def clue_counts(user):
    """What every reader may see of clues: how many, by follow-up status (one query)."""
    if not (user.is_authenticated and can_read(user)):
        return None
    return ClueForm.objects.aggregate(
        total=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in ClueForm.Status.values}
    )


def chief_inbox(user):
    """Pending standards and batches of the allowance, for the chief's home page."""
    standards = allowance_standards_for(user).filter(status=ApprovalStatus.PENDING).count()
    payrolls = allowance_payrolls_for(user).filter(status=ApprovalStatus.PENDING)
    counts = payrolls.aggregate(
        monthly=Count("id", filter=Q(kind=Payroll.Kind.MONTHLY)),
        backpay=Count("id", filter=Q(kind=Payroll.Kind.BACKPAY)),
    )
    return {"standards": standards, **counts}
