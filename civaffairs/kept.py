"""Values computed from the records, kept while the records do not change.

Every change to the records is made by a service that records it in the audit log in the same
transaction (civaffairs/audit.py). The last such event is therefore the records' version: a value
computed at that version (a figure, a list's count, a home page's to-do counts) is kept in the
cache (settings.CACHES; each process's memory by default, Redis when REDIS_URL is set) and served
until another change is recorded, or for settings.RECORDS_CACHE_SECONDS at most. The event's hash,
not only its id, is in the key: a demo rebuilt from scratch, or a rolled-back change, reuses ids
but never a hash (it covers the time). Only values of records that services change may be kept
here: a job's progress, a session or a lockout is written without an audit event."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet

# Events that change no record: reading and signing in.
READ_ONLY_ACTIONS = ("login", "login_failed", "logout", "person.reveal_id", "export", "procedure.download")


def seconds():
    return getattr(settings, "RECORDS_CACHE_SECONDS", 0)


def data_version():
    """The version of the records: the last recorded change (one query, on the primary key)."""
    from .models import AuditEvent

    last = (
        AuditEvent.objects.exclude(action__in=READ_ONLY_ACTIONS)
        .order_by("-id")
        .values_list("id", "hash")
        .first()
    )
    return f"{last[0]}.{last[1][:20]}" if last else "0"


def key(version, *parts):
    return ":".join(["kept", version, *map(str, parts)])


def kept(parts, compute):
    """compute(), or the value it gave at this version of the records for the same parts (which
    must name everything else the value depends on: the user, the period, the day)."""
    if not seconds():
        return compute()
    k = key(data_version(), *parts)
    value = cache.get(k)
    if value is None:
        value = compute()
        cache.set(k, value, seconds())
    return value


def kept_many(calls, version=None):
    """{name: value} for calls {name: (parts, compute)}, from one read of the cache."""
    if not seconds():
        return {name: compute() for name, (_parts, compute) in calls.items()}
    version = version or data_version()
    keys = {name: key(version, *parts) for name, (parts, _c) in calls.items()}
    found = cache.get_many(list(keys.values()))
    out, fresh = {}, {}
    for name, (_parts, compute) in calls.items():
        if keys[name] in found:
            out[name] = found[keys[name]]
        else:
            out[name] = fresh[keys[name]] = compute()
    if fresh:
        cache.set_many(fresh, seconds())
    return out


# Lists whose counts may be kept: records only services change.
COUNTED_MODELS = {
    "civaffairs.Case",
    "civaffairs.PaymentLine",
    "civaffairs.Person",
    "civaffairs.Household",
    "civaffairs.Request",
}


def _digest(queryset):
    sql, params = queryset.query.sql_with_params()
    return hashlib.sha1(repr((sql, params)).encode()).hexdigest()


def rows(queryset):
    """list(queryset) (an aggregate's few rows, such as a payroll's total by town), kept for the
    records' models above: the key is the query itself."""
    if not seconds() or queryset.model._meta.label not in COUNTED_MODELS:
        return list(queryset)
    try:
        digest = _digest(queryset)
    except EmptyResultSet:
        return []
    return kept(("rows", queryset.model._meta.label, digest), lambda: list(queryset))


def count(queryset):
    """queryset.count(), kept for the records' models above: the key is the query itself (its
    scope, filters and any date in them)."""
    if not seconds() or queryset.model._meta.label not in COUNTED_MODELS:
        return queryset.count()
    try:
        digest = _digest(queryset.order_by())
    except EmptyResultSet:  # a filter that can match nothing (.none(), an empty IN)
        return 0
    return kept(("count", queryset.model._meta.label, digest), queryset.count)
