"""The audit log's one writer. Call inside the transaction of the change it records."""

import datetime
import hashlib
import json
import threading

from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from .models import AuditEvent

# Serializes writers of the chain on PostgreSQL (SQLite's IMMEDIATE transactions already do).
_CHAIN_LOCK = 7_301_944_201

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


def event_hash(event, prev_hash):
    """SHA-256 over the event's content and the previous event's hash (the chain's link)."""
    at = event.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    content = [
        prev_hash,
        event.pk,
        at,
        event.actor_id,
        event.actor_name,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.changes,
        event.address,
    ]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _last_hash():
    # Plain SQL: every state change writes an event, and building this query through the ORM
    # cost more than running it (a tenth of the demo's load went to writing audit events).
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        cursor.execute(f"SELECT id, hash FROM {table} ORDER BY id DESC LIMIT 1")
        return cursor.fetchone()


def record(actor, action, obj=None, changes=None, *, object_type="", object_repr="", address=None):
    user = actor if getattr(actor, "is_authenticated", False) else None
    last = _last_hash()
    event = AuditEvent(
        # The id is chosen here so that the hash can cover it: the next one after the last row.
        id=(last[0] + 1) if last else 1,
        at=timezone.now(),
        actor=user,
        actor_name=getattr(actor, "username", "") or (actor if isinstance(actor, str) else ""),
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes={k: _plain(v) if not isinstance(v, list | dict) else v for k, v in (changes or {}).items()},
        address=address or current_address(),
    )
    # Through JSON and back, as the database will return it, so the hash verifies after a reload.
    event.changes = json.loads(json.dumps(event.changes, ensure_ascii=False, default=str))
    event.prev_hash = last[1] if last else ""
    event.hash = event_hash(event, event.prev_hash)
    event.save(force_insert=True)
    return event


def verify_chain(batch=2000):
    """Walk the log in id order; return (checked, problem) where problem names the first event
    that was altered, or the first one after a removed event, or None when the chain is whole."""
    prev_hash, prev_id, checked = "", None, 0
    qs = AuditEvent.objects.order_by("id")
    for event in qs.iterator(chunk_size=batch):
        if prev_id is not None and event.pk != prev_id + 1:
            return checked, (event, f"第 {prev_id + 1}–{event.pk - 1} 号审计记录已被删除")
        if event.prev_hash != prev_hash:
            reason = "前一条审计记录已被删除或改动" if prev_id is not None else "链首记录的前序哈希不为空"
            return checked, (event, reason)
        if event.hash != event_hash(event, event.prev_hash):
            return checked, (event, "该审计记录的内容已被改动")
        prev_hash, prev_id, checked = event.hash, event.pk, checked + 1
    return checked, None
