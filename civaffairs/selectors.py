"""What may this user see: every read of beneficiary data starts here (role and town scope)."""

from django.db.models import Count, Q

from .models import (
    AccountChange,
    AuditEvent,
    Case,
    Household,
    PaymentLine,
    Payroll,
    Person,
    Region,
    Request,
    Standard,
    UserScope,
)
from .roles import CASEWORKER, role_of


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
    return role_of(user) == CASEWORKER and not (scope and (scope.town_id or scope.section))


def _scoped(user, queryset, town_field="town"):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_person"):
        return queryset.none()
    scope = scope_of(user)
    if scope and scope.town_id:
        return queryset.filter(**{f"{town_field}_id": scope.town_id})
    if is_unbound_caseworker(user):  # fail closed
        return queryset.none()
    return queryset


def persons_for(user):
    return _scoped(user, Person.objects.select_related("region", "town"))


def households_for(user):
    return _scoped(user, Household.objects.select_related("head", "region", "town"))


def account_changes_for(user):
    """Payee account changes a chief decides: those of their own section."""
    if not user.is_authenticated or not user.has_perm("civaffairs.approve_case"):
        return AccountChange.objects.none()
    return AccountChange.objects.filter(section=user_section(user))


def cases_for(user):
    return _scoped(
        user, Case.objects.select_related("program", "household__head", "person", "town", "institution")
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
    )


def payments_for(user):
    return _scoped(
        user, PaymentLine.objects.select_related("program", "case__household__head", "case__person", "town")
    )


def payrolls_for(user):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_payroll"):
        return Payroll.objects.none()
    return Payroll.objects.select_related("program", "created_by", "decided_by", "standard")


def standards_for(user):
    if not user.is_authenticated or not user.has_perm("civaffairs.view_standard"):
        return Standard.objects.none()
    return Standard.objects.select_related("program", "drafted_by", "decided_by")


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
    cases = cases_for(user).aggregate(
        active=Count("id", filter=Q(status=Case.Status.ACTIVE)),
        pending=Count("id", filter=Q(status=Case.Status.PENDING)),
    )
    return {"persons": persons, "households": households, **cases}
