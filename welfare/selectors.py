"""What a user may see of welfare: the section, the director and the auditor see it all (the
records are district-wide); everyone else sees nothing (fail closed)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate

from civaffairs.idnumber import mask_id_number, mask_name, normalize
from civaffairs.models import Activity, ApprovalStatus, Case, Institution, Milestone, Person, Project, Section
from civaffairs.selectors import covers_ended_by_death, register_person_link

from .access import can_read_welfare
from .labels import PROJECT_KIND_LABELS, PUBLICITY_KINDS
from .models import (
    AdoptionRegistration,
    Cremation,
    FireRetrofit,
    Hazard,
    HazardClosure,
    Inspection,
    MarriageRegistration,
    MilestoneReport,
)


@register_person_link
def _institution_residents(sections):
    """Welfare's staff see the persons living in an institution (its residents' pages)."""
    if Section.WELFARE not in sections:
        return Q(pk__in=[])
    return Q(Exists(Case.objects.filter(person=OuterRef("pk"), institution__isnull=False)))


def _visible(user, queryset):
    return queryset if can_read_welfare(user) else queryset.none()


def institutions_for(user):
    return _visible(user, Institution.objects.select_related("region", "welfare_profile"))


def inspections_for(user):
    return _visible(
        user,
        Inspection.objects.select_related("institution", "recorded_by").annotate(
            hazard_count=Count("hazards"),
            open_count=Count("hazards", filter=~Q(hazards__status=Hazard.Status.CLOSED)),
        ),
    )


def reported_in_time():
    """A hazard whose rectification was reported (销号申请) on or before its deadline and waits for
    the chief: it is 待审批销号, not late — the staff did their part in time, the decision is the
    chief's. The day of the report is the local day (Asia/Shanghai) of its submission."""
    return Exists(
        HazardClosure.objects.filter(hazard=OuterRef("pk"), status=ApprovalStatus.PENDING)
        .annotate(day=TruncDate("submitted_at"))
        .filter(day__lte=OuterRef("deadline"))
    )


def overdue_q(today=None):
    """Q over Hazard: 逾期未整改 — not closed, past its deadline, and not reported in time. The home
    pages, the director's desk, the inbox and the hazard list's filter all ask this."""
    today = today or datetime.date.today()
    return Q(deadline__lt=today) & ~Q(status=Hazard.Status.CLOSED) & ~Q(reported_in_time())


def hazards_for(user):
    return _visible(
        user,
        Hazard.objects.select_related("institution", "inspection").annotate(in_time=reported_in_time()),
    )


def is_overdue(hazard, today=None):
    """The same rule as overdue_q for one hazard of hazards_for (its in_time annotation)."""
    today = today or datetime.date.today()
    return hazard.status != Hazard.Status.CLOSED and hazard.deadline < today and not hazard.in_time


def overdue_hazards(user, today=None):
    """Hazards not closed whose deadline has passed, unless their rectification was reported in
    time and waits for the chief (reported_in_time)."""
    return hazards_for(user).filter(overdue_q(today))


def _last_decision(model, field):
    """The status of the newest report of each row (a closure of a hazard, a report of a milestone)."""
    newest = model.objects.filter(**{field: OuterRef("pk")}).order_by("-submitted_at", "-pk")
    return Subquery(newest.values("status")[:1])


def rejected_hazards(hazards):
    """Of these hazards, those the staff must report again: still open, the chief having rejected
    their newest closure (驳回 leaves the hazard 整改中, and nothing else tells the staff)."""
    return (
        hazards.filter(status=Hazard.Status.OPEN)
        .annotate(last_closure=_last_decision(HazardClosure, "hazard"))
        .filter(last_closure=ApprovalStatus.REJECTED)
    )


def rejected_milestones(user):
    """Milestones not reached whose newest report the chief rejected: the staff's to report again."""
    return (
        Milestone.objects.filter(project__in=projects_for(user), done_on__isnull=True)
        .annotate(last_report=_last_decision(MilestoneReport, "milestone"))
        .filter(last_report=ApprovalStatus.REJECTED)
    )


def closures_for(user):
    return _visible(
        user, HazardClosure.objects.select_related("hazard__institution", "submitted_by", "decided_by")
    )


def retrofits_for(user):
    return _visible(user, FireRetrofit.objects.select_related("institution", "recorded_by"))


def projects_for(user):
    return _visible(
        user,
        Project.objects.filter(section=Section.WELFARE, kind__in=PROJECT_KIND_LABELS).select_related(
            "region__parent"
        ),
    )


def projects_awaiting_decision(user):
    """Projects with a milestone report waiting for the chief (the director's desk and the
    project list's filter both ask this)."""
    waiting = milestone_reports_for(user).filter(status=ApprovalStatus.PENDING)
    return projects_for(user).filter(pk__in=waiting.values("milestone__project_id"))


def milestones_for(user):
    return _visible(
        user, Milestone.objects.filter(project__section=Section.WELFARE).select_related("project")
    )


def milestone_reports_for(user):
    return _visible(
        user,
        MilestoneReport.objects.filter(milestone__project__section=Section.WELFARE).select_related(
            "milestone__project", "submitted_by", "decided_by"
        ),
    )


def marriages_for(user):
    return _visible(user, MarriageRegistration.objects.select_related("town", "recorded_by"))


def adoptions_for(user):
    return _visible(user, AdoptionRegistration.objects.select_related("town", "recorded_by"))


def cremations_for(user):
    return _visible(user, Cremation.objects.select_related("town", "village", "recorded_by"))


def publicity_for(user):
    return _visible(
        user,
        Activity.objects.filter(section=Section.WELFARE, kind__in=PUBLICITY_KINDS).select_related(
            "region__parent", "recorded_by"
        ),
    )


def residents_on(user, institution, date):
    """The persons living in the institution on that date: cases in payment that month and
    linked to it (特困 集中供养, 孤儿 集中). Case months are first-of-month, end exclusive."""
    month = date.replace(day=1)
    if not can_read_welfare(user):
        return Case.objects.none()
    # The section that runs the institutions sees who lives in them, whichever section's program
    # pays them (特困 and 孤儿 are 社会救助股's): names, masked numbers, program and month only.
    return (
        Case.objects.filter(institution=institution, status__in=[Case.Status.ACTIVE, Case.Status.ENDED])
        .filter(start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=month))
        .select_related("person", "program")
        .order_by("person__name")
    )


def pending_counts(user):
    return {
        "closures": closures_for(user).filter(status=ApprovalStatus.PENDING).count(),
        "milestones": milestone_reports_for(user).filter(status=ApprovalStatus.PENDING).count(),
    }


def benefits_a_cremation_stops(id_number, death_date, name):
    """What recording this cremation stops (services.record_cremation records the death of a
    registered person, and the death ends their cover from the month after it): {"name", "id"
    (both masked), "stops": [(program, 停发年月)]}, or None when the number is no registered
    living person's or no benefit of theirs would stop. Only the registered name with its number
    is looked up: a number typed with any other name tells nothing of whose it is or what they are
    paid (recording then refuses the name, cremation_errors)."""
    if not id_number or death_date is None:
        return None
    person = Person.objects.filter(
        id_number=normalize(id_number), name=(name or "").strip(), death_date__isnull=True
    ).first()
    if person is None:
        return None
    stop, covers = covers_ended_by_death(person, death_date)
    stops = []
    for cover in covers.select_related("program").order_by("program__order", "start_month"):
        # A cover that was to start after the month of death never starts.
        month = max(stop, cover.start_month)
        entry = (cover.program.name, f"{month.year}年{month.month}月")
        if entry not in stops:
            stops.append(entry)
    if not stops:
        return None
    return {"name": mask_name(person.name), "id": mask_id_number(person.id_number), "stops": stops}
