"""Hand-written SQL floors: the same aggregates and the same payment lines as the system's code,
in as few statements as the database allows. Each floor is checked against what the system
computed (bench/run.py prints whether they agree), so a ratio never compares different work.

Plain SQL that runs on PostgreSQL and SQLite alike (aggregate FILTER, CTEs, INSERT … SELECT).
"""

import datetime
from decimal import Decimal

from django.db import connection

from assistance import programs as P
from civaffairs.models import Program
from civaffairs.periods import add_months

IN_PAYMENT = "('active', 'ended')"


def _program_ids():
    return dict(Program.objects.values_list("code", "id"))


def _active(alias, month):
    return (
        f"({alias}.start_month <= '{month}' AND ({alias}.end_month IS NULL OR {alias}.end_month > '{month}'))"
    )


def _within(column, period):
    return f"({column} >= '{period.first_month}' AND {column} <= '{period.last_month}')"


def assistance_figures(period):
    """The social-assistance counts and sums of assistance/figures.py (dibao_households, money,
    person_stocks with the 低保 persons, mental_covered) for the district: three statements, one
    scan each of cases, covers and payment lines."""
    ids = _program_ids()
    dibao, tekun, orphan, child = (ids[P.DIBAO], ids[P.TEKUN], ids[P.ORPHAN], ids[P.CHILD])
    living, care, temp = ids[P.DISABILITY_LIVING], ids[P.DISABILITY_CARE], ids[P.TEMP_RELIEF]
    last, opening = period.last_month, add_months(period.first_month, -1)
    out = {}
    with connection.cursor() as c:
        c.execute(
            f"""SELECT
              COUNT(*) FILTER (WHERE {_active("c", last)}),
              COUNT(*) FILTER (WHERE {_active("c", last)} AND c.area = 'urban'),
              COUNT(*) FILTER (WHERE {_active("c", last)} AND c.area = 'rural'),
              COUNT(*) FILTER (WHERE {_active("c", opening)}),
              COUNT(*) FILTER (WHERE {_within("c.start_month", period)}),
              COUNT(*) FILTER (WHERE {_within("c.end_month", period)})
            FROM civaffairs_case c WHERE c.program_id = {dibao} AND c.status IN {IN_PAYMENT}"""
        )
        keys = ["", ".urban", ".rural", ".opening", ".added", ".removed"]
        out.update({f"dibao{k}.households": v for k, v in zip(keys, c.fetchone(), strict=True)})
        act = _active("v", last)
        c.execute(
            f"""SELECT
              COUNT(*) FILTER (WHERE v.program_id = {dibao} AND {act}),
              COUNT(*) FILTER (WHERE v.program_id = {dibao} AND {act} AND c.area = 'urban'),
              COUNT(*) FILTER (WHERE v.program_id = {dibao} AND {act} AND c.area = 'rural'),
              COUNT(*) FILTER (WHERE v.program_id = {dibao} AND {_active("v", opening)}),
              COUNT(*) FILTER (WHERE v.program_id = {dibao} AND {_within("v.start_month", period)}),
              COUNT(*) FILTER (WHERE v.program_id = {dibao} AND {_within("v.end_month", period)}),
              COUNT(*) FILTER (WHERE v.program_id = {tekun} AND {act}),
              COUNT(*) FILTER (WHERE v.program_id = {tekun} AND {act} AND c.area = 'rural'),
              COUNT(*) FILTER (WHERE v.program_id = {tekun} AND {act} AND c.area = 'rural' AND c.category = 'dispersed'),
              COUNT(*) FILTER (WHERE v.program_id = {tekun} AND {act} AND c.area = 'rural' AND c.category = 'centralized'),
              COUNT(*) FILTER (WHERE v.program_id = {orphan} AND {act}),
              COUNT(*) FILTER (WHERE v.program_id = {orphan} AND {act} AND c.category = 'centralized'),
              COUNT(*) FILTER (WHERE v.program_id = {orphan} AND {act} AND c.category = 'dispersed'),
              COUNT(*) FILTER (WHERE v.program_id = {child} AND {act}),
              COUNT(DISTINCT v.person_id) FILTER (
                WHERE v.program_id IN ({dibao}, {tekun}) AND {act} AND p.severe_mental_disorder)
            FROM civaffairs_coverage v
            JOIN civaffairs_case c ON c.id = v.case_id
            JOIN civaffairs_person p ON p.id = v.person_id
            WHERE c.status IN {IN_PAYMENT}"""
        )
        keys = [
            "dibao.persons",
            "dibao.urban.persons",
            "dibao.rural.persons",
            "dibao.opening.persons",
            "dibao.added.persons",
            "dibao.removed.persons",
            "tekun.persons",
            "tekun.rural.persons",
            "tekun.rural.dispersed",
            "tekun.rural.centralized",
            "orphan.persons",
            "orphan.centralized",
            "orphan.dispersed",
            "child_in_difficulty.persons",
            "mental.covered",
        ]
        out.update(zip(keys, c.fetchone(), strict=True))
        c.execute(
            f"""SELECT
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {dibao}), 0),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {tekun} AND l.item = 'basic'), 0),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {tekun} AND l.item = 'care'), 0),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {orphan}), 0),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {child}), 0),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {living}), 0),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {care}), 0),
              COUNT(DISTINCT c.person_id) FILTER (WHERE l.program_id = {living}),
              COUNT(DISTINCT c.person_id) FILTER (WHERE l.program_id = {care}),
              COUNT(*) FILTER (WHERE l.program_id = {temp}),
              COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {temp}), 0),
              COUNT(*) FILTER (WHERE l.program_id = {temp} AND c.mental_disorder)
            FROM civaffairs_paymentline l
            LEFT JOIN civaffairs_payroll r ON r.id = l.payroll_id
            JOIN civaffairs_case c ON c.id = l.case_id
            WHERE {_within("l.paid_month", period)} AND (l.payroll_id IS NULL OR r.status = 'approved')"""
        )
        keys = [
            "dibao.paid",
            "tekun.paid",
            "tekun.care_paid",
            "orphan.paid",
            "child_in_difficulty.paid",
            "disability.living.paid",
            "disability.care.paid",
            "disability.living.persons",
            "disability.care.persons",
            "temp_relief.cases",
            "temp_relief.paid",
            "temp_relief.mental_cases",
        ]
        out.update(zip(keys, c.fetchone(), strict=True))
    return out


def same(a, b):
    """Whether two figure values agree (SQLite returns sums as float)."""
    if isinstance(a, float) or isinstance(b, float):
        return round(Decimal(str(a)), 2) == round(Decimal(str(b)), 2)
    return a == b


_PAYEE = [  # as payroll._payee: the household's head and account, or the person's (or guardian's)
    "CASE WHEN h.id IS NOT NULL THEN hp.name ELSE COALESCE(NULLIF(p.account_holder, ''), p.name) END",
    "CASE WHEN h.id IS NOT NULL THEN COALESCE(h.bank_name, '') ELSE COALESCE(p.bank_name, '') END",
    "CASE WHEN h.id IS NOT NULL THEN COALESCE(h.bank_account, '') ELSE COALESCE(p.bank_account, '') END",
]
_LINE_COLUMNS = (
    "payroll_id, case_id, program_id, town_id, month, paid_month, kind, item, amount, standard_id,"
    " persons, income, payee, bank_name, bank_account"
)


def monthly_payrolls(month, payroll_of_program):
    """One INSERT … SELECT writing the month's lines of every monthly program into the given
    payrolls ({program_id: payroll_id}): cases in payment, alive, not paid by a migrated ledger;
    each item priced by the approved standard in force; 低保 by (standard − income) × persons
    covered and alive in the month. Arrears of cases approved late are left out (none at the
    demo's July)."""
    m = f"'{month}'"
    payroll = " ".join(f"WHEN {prog} THEN {pay}" for prog, pay in payroll_of_program.items())
    sql = f"""
    WITH std AS (
      SELECT s.id, s.program_id, s.category, s.amount, s.basis FROM civaffairs_standard s
      WHERE s.status = 'approved' AND s.effective_from <= {m} AND NOT EXISTS (
        SELECT 1 FROM civaffairs_standard t
        WHERE t.program_id = s.program_id AND t.category = s.category AND t.status = 'approved'
          AND t.effective_from <= {m}
          AND (t.effective_from > s.effective_from OR (t.effective_from = s.effective_from AND t.id > s.id)))
    ),
    cases AS NOT MATERIALIZED (
      SELECT c.id, c.program_id, g.code, c.town_id, c.area, c.category, c.care_level, c.household_id, c.person_id
      FROM civaffairs_case c
      JOIN civaffairs_program g ON g.id = c.program_id
      LEFT JOIN civaffairs_person p ON p.id = c.person_id
      WHERE g.section = 'assistance' AND g.cadence = 'monthly' AND c.status IN {IN_PAYMENT}
        AND {_active("c", month)} AND (p.death_date IS NULL OR p.death_date >= {m})
        AND (c.migrated_paid_through IS NULL OR c.migrated_paid_through < {m})
    ),
    items AS NOT MATERIALIZED (
      SELECT id AS case_id, 'basic' AS item, area AS cat FROM cases WHERE code IN ('{P.DIBAO}', '{P.TEKUN}')
      UNION ALL SELECT id, 'care', 'care_' || care_level FROM cases WHERE code = '{P.TEKUN}' AND care_level <> ''
      UNION ALL SELECT id, 'basic', COALESCE(NULLIF(category, ''), 'dispersed') FROM cases WHERE code = '{P.ORPHAN}'
      UNION ALL SELECT id, 'basic', 'default' FROM cases
        WHERE code IN ('{P.CHILD}', '{P.DISABILITY_LIVING}', '{P.DISABILITY_CARE}')
    ),
    covered AS (
      SELECT v.case_id, COUNT(*) AS n FROM civaffairs_coverage v
      JOIN cases c ON c.id = v.case_id AND c.code = '{P.DIBAO}'
      JOIN civaffairs_person p ON p.id = v.person_id
      WHERE {_active("v", month)} AND (p.death_date IS NULL OR p.death_date >= {m})
      GROUP BY v.case_id
    ),
    priced AS (
      SELECT c.id, c.program_id, c.code, c.town_id, i.item, s.id AS standard_id, h.income_per_capita AS income,
        COALESCE(cv.n, 0) AS n,
        CASE WHEN c.code = '{P.DIBAO}' THEN ROUND((s.amount - h.income_per_capita) * COALESCE(cv.n, 0), 2)
             WHEN s.basis = 'annual' THEN ROUND(s.amount / 12, 2) ELSE s.amount END AS amount,
        {_PAYEE[0]} AS payee, {_PAYEE[1]} AS bank_name, {_PAYEE[2]} AS bank_account
      FROM items i
      JOIN cases c ON c.id = i.case_id
      JOIN std s ON s.program_id = c.program_id AND s.category = i.cat
      LEFT JOIN civaffairs_household h ON h.id = c.household_id
      LEFT JOIN civaffairs_person hp ON hp.id = h.head_id
      LEFT JOIN civaffairs_person p ON p.id = c.person_id
      LEFT JOIN covered cv ON cv.case_id = c.id
    )
    INSERT INTO civaffairs_paymentline ({_LINE_COLUMNS})
    SELECT CASE program_id {payroll} END, id, program_id, town_id, {m}, {m}, 'regular', item, amount, standard_id,
      CASE WHEN code = '{P.DIBAO}' THEN n ELSE 1 END, CASE WHEN code = '{P.DIBAO}' THEN income END,
      payee, bank_name, bank_account
    FROM priced WHERE amount > 0 AND (code <> '{P.DIBAO}' OR n > 0)"""
    with connection.cursor() as c:
        c.execute(sql)


def backpay(standard, payroll_id):
    """One INSERT … SELECT writing the back-pay of an approved 低保 standard into a batch: every
    case-month of its area paid by an approved monthly payroll since it took effect, owed the new
    entitlement ((standard − income used) × persons covered and alive) less what live lines paid
    (corrections aside), when positive. Ledger months before the system are left out (none for the
    demo's 2019 低保 standards)."""
    start = datetime.date(standard.effective_from.year, standard.effective_from.month, 1)
    # One pass over the program's lines, grouped by case and month (what was paid, whether an
    # approved monthly payroll considered it, the income it used); persons counted per row by
    # an index lookup. No CTE joins: a planner without estimates for them chose nested loops
    # over CTE scans (231 s at ×1 on PostgreSQL).
    sql = f"""
    INSERT INTO civaffairs_paymentline ({_LINE_COLUMNS})
    SELECT {payroll_id}, k.case_id, c.program_id, c.town_id, k.month, r.month, 'backpay', 'basic',
      ROUND(({standard.amount} - k.income) * k.n, 2) - k.paid, {standard.pk}, k.n, k.income, {", ".join(_PAYEE)}
    FROM (
      SELECT g.*, (
        SELECT COUNT(*) FROM civaffairs_coverage v JOIN civaffairs_person vp ON vp.id = v.person_id
        WHERE v.case_id = g.case_id AND v.start_month <= g.month AND (v.end_month IS NULL OR v.end_month > g.month)
          AND (vp.death_date IS NULL OR vp.death_date >= g.month)
      ) AS n
      FROM (
        SELECT l.case_id, l.month,
          SUM(CASE WHEN l.kind <> 'correction' THEN l.amount ELSE 0 END) AS paid,
          MAX(CASE WHEN l.kind = 'regular' AND r.status = 'approved' AND r.kind = 'monthly' THEN l.income END) AS income,
          MAX(CASE WHEN l.kind = 'regular' AND r.status = 'approved' AND r.kind = 'monthly' THEN 1 ELSE 0 END) AS considered
        FROM civaffairs_paymentline l LEFT JOIN civaffairs_payroll r ON r.id = l.payroll_id
        WHERE l.program_id = {standard.program_id} AND l.item = 'basic' AND l.month >= '{start}'
          AND (l.payroll_id IS NULL OR r.status IN ('pending', 'approved'))
        GROUP BY l.case_id, l.month
      ) g
      WHERE g.considered = 1
    ) k
    JOIN civaffairs_case c ON c.id = k.case_id AND c.area = '{standard.category}' AND c.status IN {IN_PAYMENT}
    JOIN civaffairs_payroll r ON r.id = {payroll_id}
    LEFT JOIN civaffairs_household h ON h.id = c.household_id
    LEFT JOIN civaffairs_person hp ON hp.id = h.head_id
    LEFT JOIN civaffairs_person p ON p.id = c.person_id
    WHERE ROUND(({standard.amount} - k.income) * k.n, 2) - k.paid > 0"""
    with connection.cursor() as c:
        c.execute(sql)
