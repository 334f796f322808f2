"""The audit log's one writer. Call inside the transaction of the change it records."""

import threading

from django.forms.models import model_to_dict

from .models import AuditEvent

_local = threading.local()


def set_request_address(address):
    _local.address = address


def current_address():
    return getattr(_local, "address", None)


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj, fields=None):
    data = model_to_dict(obj, fields=fields)
    return {k: _plain(v) for k, v in data.items() if not isinstance(v, list | tuple)}


def diff(before, after):
    """Changed fields as {field: [before, after]}."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(actor, action, obj=None, changes=None, *, object_type="", object_repr="", address=None):
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=getattr(actor, "username", "") or (actor if isinstance(actor, str) else ""),
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes={k: _plain(v) if not isinstance(v, list | dict) else v for k, v in (changes or {}).items()},
        address=address or current_address(),
    )
