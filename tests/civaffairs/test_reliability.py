"""Reliability under concurrency and failure (issue 10).

Races: two people doing the same thing at the same moment — generating one month's payroll,
generating one standard's back-pay, approving one standard, approving one request, importing one
roster. On PostgreSQL they really run at once (threads released by a barrier, each with its own
connection); SQLite serialises writers, so there they run one after the other. Either way exactly
one succeeds, the other is told why in Chinese, and nothing is written twice.

Backup and restore: a world built through the services is copied — `pg_dump` / `pg_restore` into
an empty database on PostgreSQL, SQLite's online backup (what `.backup` does) otherwise — and the
copy's figures, computed by `manage.py figures` in another process, equal the original's.

Progress beside the work (PostgreSQL): a job's progress is seen by another connection while the
job's own transaction has not committed."""

import datetime
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections

from assistance import programs as P
from assistance import roster, services
from assistance.demo import ensure_programs
from civaffairs import jobs, payments
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, Case, Job, PaymentLine, Payroll, Person, Request, Section, Standard
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import World, make_user, submit

D = datetime.date
JAN, FEB, MAR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(action, actors):
    """action(actor) for each actor, at once on PostgreSQL, in turn on SQLite. Returns outcomes:
    what action returned, or "refused: …" with the words of a ValidationError or RosterError;
    anything else raised fails the test."""
    outcomes, crashes = [], []

    def run(actor, barrier=None):
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            outcomes.append(action(actor))
        except ValidationError as exc:
            outcomes.append(f"refused: {' '.join(exc.messages)}")
        except roster.RosterError as exc:
            outcomes.append(f"refused: {' '.join(str(e) for e in exc.errors)}")
        except Exception as exc:  # noqa: BLE001 - reported below
            crashes.append(repr(exc))
        finally:
            if barrier is not None:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(actors))
        threads = [threading.Thread(target=run, args=(actor, barrier)) for actor in actors]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
    else:
        for actor in actors:
            run(actor)
    assert not crashes, crashes
    assert len(outcomes) == len(actors), outcomes
    return sorted(outcomes)


@pytest.fixture
def w():
    """Three 低保 households of two persons, income 200, under a 450 standard (500 元 a month each),
    and a second worker and chief of 社会救助股."""
    ensure_programs()  # a transactional test may start from flushed tables
    world = World()
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    for _ in range(3):
        world.dibao(2, 200)
    world.worker2 = make_user(CASEWORKER, section=Section.ASSISTANCE, first_name="另一经办人")
    world.chief2 = make_user(CHIEF, section=Section.ASSISTANCE, first_name="另一股长")
    return world


def job_outcome(job):
    job.refresh_from_db()
    return f"{job.status}: {job.error or job.message}"


# --- races --------------------------------------------------------------------------------------------


def test_two_payroll_jobs_for_one_month_make_one_payroll(w):
    """As the button does it: each starts a job (run at once here). One job generates the month;
    the other is refused while it runs, or finds the month generated."""

    def generate(worker):
        job = jobs.start_payroll(actor=worker, program=P.DIBAO, month=JAN, result="assistance:payroll_detail")
        return job_outcome(job)

    outcomes = race(generate, [w.worker, w.worker2])
    assert outcomes[1].startswith("succeeded: 已生成最低生活保障（低保） 2019年01月月度发放：3 笔"), outcomes
    loser = outcomes[0]
    assert loser.startswith(("refused: ", "failed: ")), outcomes
    assert any(words in loser for words in ("正在进行", "已生成", "已由他人生成")), outcomes
    assert Payroll.objects.count() == 1
    assert PaymentLine.objects.count() == 3
    assert AuditEvent.objects.filter(action="payroll.generate").count() == 1


def test_two_payroll_generations_for_one_month_in_the_engine_make_one_payroll(w):
    """Without the job layer (a command, a script): the engine's own constraint decides."""

    def generate(worker):
        payroll = payments.generate_payroll(actor=worker, program=P.DIBAO, month=JAN)
        return f"generated: {payroll.line_count}"

    outcomes = race(generate, [w.worker, w.worker2])
    assert outcomes[0] == "generated: 3", outcomes
    assert outcomes[1].startswith("refused: ") and "名册已" in outcomes[1], outcomes
    assert (Payroll.objects.count(), PaymentLine.objects.count()) == (1, 3)


def test_two_chiefs_approving_one_standard_and_two_back_pay_jobs_make_one_batch(w):
    w.pay(P.DIBAO, JAN, FEB)
    raised = payments.draft_standard(
        actor=w.worker, program=P.DIBAO, category="rural", amount=Decimal(490), effective_from=JAN
    )

    def approve(chief):
        payments.decide_standard(actor=chief, standard=raised, approve=True, comment="同意")
        return "approved"

    outcomes = race(approve, [w.chief, w.chief2])
    assert outcomes[0] == "approved" and outcomes[1].startswith("refused: "), outcomes
    assert "不能再审批" in outcomes[1]
    assert Standard.objects.get(pk=raised.pk).status == "approved"
    assert AuditEvent.objects.filter(action="standard.approve", object_id=str(raised.pk)).count() == 1

    def backpay(worker):
        job = jobs.start_backpay(
            actor=worker,
            standard=Standard.objects.get(pk=raised.pk),
            result="assistance:payroll_detail",
            back="assistance:standard_detail",
        )
        return job_outcome(job)

    outcomes = race(backpay, [w.worker, w.worker2])
    # One batch: the other job was refused while the first ran, found nothing left owed, or found
    # the first's batch waiting for approval.
    assert sum(o.startswith("succeeded: 已生成提标补发 6 笔") for o in outcomes) == 1, outcomes
    assert Payroll.objects.filter(kind="backpay").count() == 1
    # (490 − 200) − (450 − 200) = 40 a person, 2 persons, 3 households, 2 months.
    assert PaymentLine.objects.filter(kind="backpay").count() == 6
    assert Payroll.objects.get(kind="backpay").total == Decimal("480.00")


def test_two_chiefs_approving_one_request_make_one_case(w):
    person = w.person()
    request = submit(
        actor=w.town_worker, program=P.TEKUN, person=person, start_month=JAN, category=P.DISPERSED,
        care_level=P.CARE_SELF,
    )  # fmt: skip

    def approve(chief):
        services.decide_request(
            actor=chief, request=Request.objects.get(pk=request.pk), approve=True, comment="同意"
        )
        return "approved"

    outcomes = race(approve, [w.chief, w.chief2])
    assert outcomes[0] == "approved" and outcomes[1].startswith("refused: "), outcomes
    request.refresh_from_db()
    assert request.status == "approved"
    assert Case.objects.get(pk=request.case_id).status == Case.Status.ACTIVE
    assert AuditEvent.objects.filter(action="request.approve", object_id=str(request.pk)).count() == 1


def roster_file(village_name):
    """One household of a village of 石城镇: a head and a child."""
    from openpyxl import Workbook

    head = make_id_number("445303", D(1968, 4, 12), 15)
    child = make_id_number("445303", D(2001, 1, 30), 37)
    wb = Workbook()
    ws = wb.active
    ws.append(list(roster.TEMPLATE_HEADERS))
    common = {"所属镇": "石城镇", "所属村": village_name, "户主身份证号": head, "城乡类别": "农村"}
    for name, number, relation in (("黄大明", head, "户主"), ("黄小明", child, "子女")):
        row = {**common, "姓名": name, "身份证号": number, "与户主关系": relation}
        row.update({"家庭月人均收入": 180, "起始年月": "2019-03"} if relation == "户主" else {})
        ws.append([row.get(h) for h in roster.TEMPLATE_HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_two_imports_of_one_roster_import_it_once(w):
    content = roster_file(w.village.name)

    def import_it(worker):
        result = roster.import_roster(io.BytesIO(content), actor=worker, filename="花名册.xlsx")
        return f"imported: {result.households} {result.persons}"

    outcomes = race(import_it, [w.worker, w.worker2])
    assert outcomes[0] == "imported: 1 2", outcomes
    # In turn: the second finds the persons registered with a pending application; at once: the
    # database refuses the second write and nothing of it stays.
    assert outcomes[1].startswith("refused: "), outcomes
    assert any(words in outcomes[1] for words in ("已有待审批", "已登记", "同时登记")), outcomes
    assert Person.objects.filter(name__in=["黄大明", "黄小明"]).count() == 2
    assert Request.objects.filter(case__household__head__name="黄大明").count() == 1
    assert AuditEvent.objects.filter(action="roster.import").count() == 1


# --- progress beside the work ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
def test_on_postgresql_progress_is_seen_by_others_before_the_work_commits(w, monkeypatch):
    """On PostgreSQL the job page reads the job's progress while the payroll is being written
    (through a second connection); on SQLite, one writer at a time, the page learns it at the end."""
    monkeypatch.setattr("civaffairs.payments.payroll.LINE_BATCH", 1)
    monkeypatch.setattr("civaffairs.jobs.PROGRESS_EVERY", 0)
    seen = []
    real = jobs.Progress.__call__

    def watch(self, done, total, stage=""):
        real(self, done, total, stage)
        if stage == "写入发放明细":
            # What another connection (the job page's) reads now, the payroll uncommitted.
            other = "jobs" if connection.vendor == "postgresql" else "default"
            row = Job.objects.using(other).values_list("done", "total").get(pk=self.job_id)
            lines = PaymentLine.objects.using(other).count()
            seen.append((row, lines))

    monkeypatch.setattr("civaffairs.jobs.Progress.__call__", watch)
    job = jobs.start_payroll(actor=w.worker, program=P.DIBAO, month=JAN, result="assistance:payroll_detail")
    assert job.status == "succeeded" and (job.done, job.total) == (3, 3)
    if connection.vendor == "postgresql":
        # Each batch's progress is committed beside the work; its lines are not, until the end.
        assert seen == [((1, 3), 0), ((2, 3), 0), ((3, 3), 0)]
    else:
        assert [row for row, _lines in seen] == [(0, 0)] * 3


# --- backup and restore ---------------------------------------------------------------------------------


def figures_of(database_url):
    """Every figure of 2019H1, computed by `manage.py figures` in a process of its own on the copy."""
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, "manage.py", "figures", "2019H1", "--json"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)


def test_a_backup_restored_into_an_empty_database_gives_the_same_figures(w, tmp_path):
    w.pay(P.DIBAO, JAN, FEB)
    [case] = Case.objects.filter(program__code=P.DIBAO)[:1]
    w.die(case.household.head, D(2019, 2, 10))
    w.pay(P.DIBAO, MAR)
    buf = io.StringIO()
    call_command("figures", "2019H1", "--json", stdout=buf)
    original = json.loads(buf.getvalue())
    # Jan, Feb: 3 households × 2 persons × 250; Mar: one of them with its head dead, 1 person.
    assert Decimal(original["dibao.paid"]) == Decimal("4250.00")

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = {"PGPASSWORD": db.get("PASSWORD") or "", **os.environ}
        where = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
        dump = tmp_path / "civaffairs.dump"
        subprocess.run(["pg_dump", *where, "-Fc", "-f", str(dump), db["NAME"]], env=auth, check=True)
        copy = f"civaffairs_restore_{uuid.uuid4().hex[:8]}"
        subprocess.run(["createdb", *where, copy], env=auth, check=True)
        try:
            subprocess.run(["pg_restore", *where, "--no-owner", "-d", copy, str(dump)], env=auth, check=True)
            password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
            url = f"postgres://{db['USER']}{password}@{where[1]}:{where[3]}/{copy}"
            assert figures_of(url) == original
            verified = subprocess.run(
                [sys.executable, "manage.py", "verify_audit"],
                cwd=settings.BASE_DIR,
                env={**os.environ, "DATABASE_URL": url},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert verified.returncode == 0, verified.stderr
            assert "哈希链完整" in verified.stdout
        finally:
            subprocess.run(["dropdb", *where, "--if-exists", copy], env=auth, check=True)
    else:
        # SQLite's online backup (the sqlite3 shell's `.backup`), safe while others write.
        copy = tmp_path / "backup.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        assert figures_of(f"sqlite:///{copy}") == original
