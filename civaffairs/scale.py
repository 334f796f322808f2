"""Scaled copies of the demo district (`load_demo --scale N`): a city (×10) or a province (×100).

After the district is loaded as it lived (civaffairs/demo.py and each app's loader), N − 1 more
copies of its social-assistance caseload are made in bulk, one `INSERT … SELECT` per table and
copy, so that a benchmark runs over N districts' rows. A copy is the same people, households,
cases, covers, decided requests and payment lines with shifted ids, and each copied person gets a
valid ID number of their own (another 行政区划 address code, the check digit recomputed). The
copies share the district's towns, villages, payrolls and users, so every social-assistance
figure (assistance/figures.py) is exactly N times the district's, district-wide and per town, and
each payroll's 笔数 and 合计 are N times too.

Not scaled: welfare and grassroots records (their figures stay the district's), standards,
payrolls as objects (a payroll holds N districts' lines), pending applications (copies of a
pending request would point at the original's data), the audit log, users and regions.
"""

import datetime

from django.db import connection, transaction

from . import audit
from .idnumber import address_code_possible
from .models import (
    Case,
    Coverage,
    Household,
    HouseholdIncome,
    HouseholdMember,
    PaymentLine,
    Payroll,
    Person,
    Request,
    Section,
)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
LAST_BIRTH = datetime.date(2019, 12, 31)  # codes still in use for the demo's youngest


def addresses(count, taken):
    """`count` county codes (GB/T 2260) in use in 2019, Guangdong's first, none of `taken` and none
    of 云浮市 (4453xx: the demo's own city, whose codes the roster benchmark's rows use)."""
    out = []
    for province in [44, *range(11, 66)]:
        for city in range(1, 100):
            for county in range(1, 100):
                code = f"{province}{city:02d}{county:02d}"
                if code[:4] == "4453" or code in taken:
                    continue
                if address_code_possible(code, LAST_BIRTH):
                    out.append(code)
                    if len(out) == count:
                        return out
    raise ValueError("too many copies")


def _id_number_sql(column, moves):
    """SQL for the ID number `column` with its address code moved by `moves` {old: new}, the
    check digit recomputed (GB 11643). The other 11 digits stay: birth date and sequence."""
    old = f"SUBSTR({column}, 1, 6)"
    new = " ".join(f"WHEN '{a}' THEN '{b}'" for a, b in moves.items())
    weight = lambda code: sum(int(d) * w for d, w in zip(code, WEIGHTS[:6], strict=True))  # noqa: E731
    fixed = " ".join(f"WHEN '{a}' THEN {weight(b)}" for a, b in moves.items())
    rest = " + ".join(f"CAST(SUBSTR({column}, {i + 1}, 1) AS INTEGER) * {WEIGHTS[i]}" for i in range(6, 17))
    return (
        f"(CASE {old} {new} END) || SUBSTR({column}, 7, 11)"
        f" || SUBSTR('{CHECK}', 1 + (((CASE {old} {fixed} END) + {rest}) % 11), 1)"
    )


def _columns(model):
    return [f.column for f in model._meta.concrete_fields]


def _copy(cursor, model, shift, where, offsets, replace=None):
    """INSERT … SELECT one copy of `model`'s rows matching `where`: ids and the foreign keys to
    copied tables shifted by that table's offset × k (shift[k] gives k), other columns as they are."""
    table = model._meta.db_table
    targets = {
        f.column: f.related_model for f in model._meta.concrete_fields if f.is_relation and f.related_model
    }
    cols = _columns(model)
    q = connection.ops.quote_name
    exprs = []
    for col in cols:
        if replace and col in replace:
            exprs.append(replace[col])
        elif col == "id":
            exprs.append(f"id + {offsets[model] * shift}")
        elif col in targets and targets[col] in offsets:
            exprs.append(f"{q(col)} + {offsets[targets[col]] * shift}")
        else:
            exprs.append(q(col))
    names = ", ".join(q(c) for c in cols)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} WHERE {where}")


def scale_up(times, stdout=None):
    """Make the district's social-assistance caseload `times` times what it is (times ≥ 1)."""
    if times <= 1:
        return
    # HouseholdIncome too: a month is priced with that month's income (back-pay of months long paid).
    copied = [Person, Household, HouseholdIncome, HouseholdMember, Case, Coverage, Request, PaymentLine]
    with transaction.atomic(), connection.cursor() as c:
        offsets = {}
        for model in copied:
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
            offsets[model] = c.fetchone()[0] + 1
        case_table, program_table = Case._meta.db_table, "civaffairs_program"
        # Cases in payment or decided, of social assistance; pending ones stay single.
        cases = (
            f"SELECT cs.id FROM {case_table} cs JOIN {program_table} pg ON pg.id = cs.program_id"
            f" WHERE pg.section = '{Section.ASSISTANCE}' AND cs.status <> '{Case.Status.PENDING}'"
            f" AND cs.id < {offsets[Case]}"
        )
        # Each copy moves every address code in use to one no copy has used yet, so copies of
        # copies (×10, then ×10 again) stay unique.
        c.execute(f"SELECT DISTINCT SUBSTR(id_number, 1, 6) FROM {Person._meta.db_table}")
        taken = sorted(row[0] for row in c.fetchall())
        fresh = iter(addresses((times - 1) * len(taken), set(taken)))
        for k in range(1, times):
            moves = {code: next(fresh) for code in taken}
            _copy(
                c,
                Person,
                k,
                f"id < {offsets[Person]}",
                offsets,
                {"id_number": _id_number_sql("id_number", moves)},
            )
            _copy(c, Household, k, f"id < {offsets[Household]}", offsets)
            _copy(c, HouseholdIncome, k, f"id < {offsets[HouseholdIncome]}", offsets)
            _copy(c, HouseholdMember, k, f"id < {offsets[HouseholdMember]}", offsets)
            _copy(c, Case, k, f"id IN ({cases})", offsets)
            _copy(c, Coverage, k, f"case_id IN ({cases})", offsets)
            _copy(c, Request, k, f"case_id IN ({cases}) AND status <> 'pending'", offsets)
            _copy(c, PaymentLine, k, f"case_id IN ({cases})", offsets)
            if stdout:
                stdout.write(f"  副本 {k + 1}/{times}")
        line_table, payroll_table = PaymentLine._meta.db_table, Payroll._meta.db_table
        c.execute(
            f"UPDATE {payroll_table} SET"
            f" line_count = (SELECT COUNT(*) FROM {line_table} l WHERE l.payroll_id = {payroll_table}.id),"
            f" total = (SELECT COALESCE(SUM(amount), 0) FROM {line_table} l WHERE l.payroll_id = {payroll_table}.id)"
        )
        # Recorded like every other change of the records: the figures kept for the loaded
        # district (civaffairs/figures.py) are keyed by the last recorded change.
        audit.record(
            "system",
            "demo.scale",
            None,
            {"times": times},
            object_type="demo",
            object_repr=f"演示数据：×{times}",
        )
        if connection.vendor == "postgresql":
            for model in copied:
                table = model._meta.db_table
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )


def analyze():
    """Planner statistics after a bulk load, so that no query plan depends on autovacuum having
    run (without them a home-page count took 1.17 s on PostgreSQL instead of a few ms)."""
    with connection.cursor() as c:
        c.execute("ANALYZE")
