"""bulk_create's fast path on SQLite for the large batches of the go-live and the roster import.

Django's bulk_create builds each value of each row through the insert compiler (pre_save,
get_db_prep_save, then the value's SQL, one by one): for the demo's go-live — some 16,000 persons
and 13,000 cases with their coverages and requests — that was a sixth of the whole load. Here
each value is prepared as the compiler prepares it (field.pre_save, then get_db_prep_save) and the
rows go in multi-row INSERTs with RETURNING, as bulk_create does on SQLite; other databases, and
any object the fast path does not cover (a primary key already set, database defaults, generated
fields, inherited models), take bulk_create itself."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import NOT_PROVIDED
from django.db.models.fields import AutoFieldMixin


def _plain(model, objs):
    opts = model._meta
    if opts.parents or not isinstance(opts.pk, AutoFieldMixin):
        return False
    if any(getattr(f, "generated", False) or f.db_default is not NOT_PROVIDED for f in opts.concrete_fields):
        return False
    return all(getattr(obj, opts.pk.attname) is None for obj in objs)


def bulk_insert(objs, batch_size=None):
    """Insert the unsaved objects of one model, set their primary keys; returns objs (as bulk_create)."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    # The connection itself, not django.db.connection's proxy: one lookup, not one per value.
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or not _plain(model, objs):
        return model.objects.bulk_create(objs, batch_size=batch_size)
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    per = connection.features.max_query_params // len(fields)
    if batch_size:
        per = min(per, batch_size)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
    tail = f" RETURNING {qn(opts.pk.column)}"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per):
            chunk = objs[start : start + per]
            values = []
            for obj in chunk:
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
                values += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, values)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                setattr(obj, opts.pk.attname, pk)
                obj._state.adding = False
                obj._state.db = connection.alias
    return objs
