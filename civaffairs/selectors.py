"""What may this user see: every read of beneficiary data starts here (role, town and section scope).

Scope by town: a town caseworker sees the own town's records. Scope by section: an account bound
to a section (its staff and chief, no town) sees only records of programs of that section, and the
persons and households those records concern. Domain apps scope their own records with
`section_scoped(user, queryset, "program__section")` (or whatever path leads to a Section) and tell
which persons their records concern with `register_person_link` (welfare registrations, …)."""

from django.db.models import Count, Exists, OuterRef, Q

from .models import (
    AccountChange,
    AuditEvent,
    Case,
    Coverage,
    Household,
    PaymentLine,
    Payroll,
    Person,
    Region,
    Request,
    Section,
    Standard,
    UserScope,
)
from .roles import CASEWORKER, TOWN_REVIEWER, role_of


def scope_of(user):
    try:
        return user.scope
    except (UserScope.DoesNotExist, AttributeError):
        return None


def user_town(user):
    scope = scope_of(user)
    return scope.town if scope else None


def user_section(user):
    scope = scope_of(user)
    return scope.section if scope else ""


def is_unbound_caseworker(user):
    """A caseworker account bound to neither a town nor a section: it may see and change nothing."""
    scope = scope_of(user)
    role = role_of(user)
    if role == TOWN_REVIEWER:  # a town role: without a town it sees nothing
        return not (scope and scope.town_id)
    return role == CASEWORKER and not (scope and (scope.town_id or scope.section))


def user_sections(user):
    """The sections whose records the user sees: None for every section (district-wide roles and
    town caseworkers, who work every section's cases of their town); a set for an account bound to
    a section without a town (its staff and chief)."""
    scope = scope_of(user)
    if scope and scope.section and not scope.town_id:
        return {scope.section}
    return None


def section_scoped(user, queryset, section_field):
    """The general section scope: keep the rows whose `section_field` (a path to a Section value,
    e.g. "program__section" or "case__program__section") is one of the user's sections."""
    sections = user_sections(user)
    if sections is None:
        return queryset
    return queryset.filter(**{f"{section_field}__in": sections})


# 社会救助股 keeps the registry of persons and households (income checks, 低保 households): its
# staff and chief see the whole registry of their scope; other sections see the persons and
# households their records concern.
REGISTRY_SECTIONS = {Section.ASSISTANCE}


def _sees_registry(sections):
    return sections is None or bool(sections & REGISTRY_SECTIONS)


# Callables (sections) -> Q over Person: "this person is concerned by a record of these sections".
# The core's own: a case of a program of the section (the person's, or one covering them).
_PERSON_LINKS = []


def register_person_link(link):
    """A domain app declares which persons its records concern, so section staff see them."""
    _PERSON_LINKS.append(link)
    return link


@register_person_link
def _persons_in_cases(sections):
    return Q(Exists(Case.objects.filter(person=OuterRef("pk"), program__section__in=sections))) | Q(
        Exists(Coverage.objects.filter(person=OuterRef("pk"), case__program__section__in=sections))
    )


def _persons_of_sections(user, queryset):
    sections = user_sections(user)
    if _sees_registry(sections):
        return queryset
    condition = Q(pk__in=[])
    for link in _PERSON_LINKS:
        condition |= link(sections)
    return queryset.filter(condition)


# Sections that pay persons through the bank: their staff and chief need the whole numbers of the
# persons they see (社会救助股: the registry; 基层政权股: its payees, the committee members).
PAYING_SECTIONS = {Section.ASSISTANCE, Section.GRASSROOTS}


def may_see_whole_numbers(user):
    """Full ID numbers and bank accounts, on screens and in exports (bank files included): only the
    roles whose work needs them, the staff and chief of a paying section (for the persons their
    scope shows them) and town caseworkers (for their own town, the only persons they see).
    Everyone else reads them masked. The one rule: no view asks has_perm for this itself."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("civaffairs.view_full_id_number"):
        return False
    scope = scope_of(user)
    return bool(scope and (scope.town_id or scope.section in PAYING_SECTIONS))


def may_reveal(user):
    """One number at a time, audited (services.reveal_id_number): those who may see numbers
    whole, and the director and auditors, who otherwise read them masked."""
    return may_see_whole_numbers(user) or (
        getattr(user, "is_authenticated", False) and user.has_perm("civaffairs.reveal_id_number")
    )


def _scoped(user, queryset, town_field="town", section_field=None):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_person"):
        return queryset.none()
    if section_field:
        queryset = section_scoped(user, queryset, section_field)
    scope = scope_of(user)
    if scope and scope.town_id:
        return queryset.filter(**{f"{town_field}_id": scope.town_id})
    if is_unbound_caseworker(user):  # fail closed
        return queryset.none()
    return queryset


def persons_for(user):
    return _persons_of_sections(user, _scoped(user, Person.objects.select_related("region", "town")))


def households_for(user):
    qs = _scoped(user, Household.objects.select_related("head", "region", "town"))
    sections = user_sections(user)
    if _sees_registry(sections):
        return qs
    return qs.filter(Exists(Case.objects.filter(household=OuterRef("pk"), program__section__in=sections)))


def account_changes_for(user):
    """Payee account changes a chief decides: those of their own section."""
    if not user.is_authenticated or not user.has_perm("civaffairs.approve_case"):
        return AccountChange.objects.none()
    return AccountChange.objects.filter(section=user_section(user))


def cases_for(user):
    return _scoped(
        user,
        Case.objects.select_related("program", "household__head", "person", "town", "institution"),
        section_field="program__section",
    )


def requests_for(user):
    return _scoped(
        user,
        Request.objects.select_related(
            "case__program",
            "case__household__head",
            "case__person",
            "case__town",
            "person",
            "submitted_by",
            "decided_by",
        ),
        "case__town",
        section_field="case__program__section",
    )


def payments_for(user):
    return _scoped(
        user,
        PaymentLine.objects.select_related("program", "case__household__head", "case__person", "town"),
        section_field="program__section",
    )


def payrolls_for(user):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_payroll"):
        return Payroll.objects.none()
    qs = Payroll.objects.select_related("program", "created_by", "decided_by", "standard")
    return section_scoped(user, qs, "program__section")


def standards_for(user):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_standard"):
        return Standard.objects.none()
    qs = Standard.objects.select_related("program", "drafted_by", "decided_by")
    return section_scoped(user, qs, "program__section")


def regions_for(user):
    """Regions a user may pick when registering: the own town's subtree, or all."""
    qs = Region.objects.select_related("parent", "town")
    if is_unbound_caseworker(user):
        return qs.none()
    town = user_town(user)
    if town:
        qs = qs.filter(town=town)
    return qs


def villages_for(user):
    """Villages and natural villages a user may pick for a person or household, town by town."""
    return regions_for(user).filter(level__in=[Region.Level.VILLAGE, Region.Level.NATURAL]).order_by("code")


def audit_events_for(user):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_auditevent"):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("actor")


def home_counts(user):
    """Counts for the home page, one aggregate query per table whatever the data size."""
    persons = persons_for(user).aggregate(n=Count("id"))["n"]
    households = households_for(user).aggregate(n=Count("id"))["n"]
    # 救助对象: the enrolments of social assistance (other sections' paid programs, such as the
    # supervision-committee allowance, have screens and counts of their own).
    cases = (
        cases_for(user)
        .filter(program__section=Section.ASSISTANCE)
        .aggregate(
            active=Count("id", filter=Q(status=Case.Status.ACTIVE)),
            pending=Count("id", filter=Q(status=Case.Status.PENDING)),
        )
    )
    return {"persons": persons, "households": households, **cases}


def jobs_for(user):
    """Background jobs (civaffairs/jobs.py) a user may follow: the own ones; and, for a district
    account that sees payrolls (its section's, or all for district-wide roles), the payroll and
    back-pay jobs of those programs — the objects it may see. A town caseworker sees only the own."""
    from .models import Job

    if not user.is_authenticated:
        return Job.objects.none()
    # (the files a job keeps are read only by the view that serves them)
    qs = Job.objects.select_related("created_by", "program", "standard").defer("payload", "output")
    visible = Q(created_by=user)
    scope = scope_of(user)
    if user.has_perm("civaffairs.view_payroll") and not (scope and scope.town_id):
        payments = section_scoped(
            user,
            Job.objects.filter(kind__in=Job.PAYMENT_KINDS, program__isnull=False),
            "program__section",
        )
        visible |= Q(pk__in=payments.values("pk"))
    return qs.filter(visible)
