"""Acceptance: after `load_demo`, the 2019H1 summary of the demo district reads as the seed does
for every figure the installed apps register, and `export_summary 2019H1 --output summary.pdf`
writes it."""

import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from civaffairs import figures
from reports import document, exports
from reports.models import PlanItem, Summary
from reports.placeholders import Values

from .test_template import SEED_2019H1, seed_values

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=StringIO())
            connection.check_constraints()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_demo_has_the_2019h1_draft_and_the_seeds_plan(demo):
    summary = Summary.objects.get(period="2019H1", region=None)
    assert summary.status == Summary.Status.DRAFT
    assert PlanItem.objects.filter(period="2019H1").count() == 8


def test_the_demo_summary_reads_as_the_seed_for_every_registered_figure(demo):
    summary = Summary.objects.get(period="2019H1", region=None)
    doc = document.summary_doc(summary)
    live = document.summary_values(summary, doc)
    registered = set(figures.specs())
    # The seed's values stand in for the figures no installed app registers yet; every other
    # figure is the demo's own, and must read exactly as the seed writes it.
    mixed = Values(
        figures={**{k: v for k, v in SEED_2019H1.items() if k not in registered}, **live.figures},
        units={**seed_values().units, **live.units},
        records=live.records,
        words=live.words,
    )
    assert document.render(doc, mixed).plain_text() == document.render(doc, seed_values()).plain_text()


def test_export_summary_writes_the_pdf_with_the_seeds_figure_phrases(demo, tmp_path):
    out = tmp_path / "summary.pdf"
    call_command("export_summary", "2019H1", "--output", str(out), stdout=StringIO())
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace("\n", "")
    for phrase in (
        "全区现有低保对象3804户8475人",
        "全区共发放低保金1205.42万元",
        "发放特困供养人员护理经费45082元",
        "为2232名困难残疾人发放生活补贴218.6万元",
        "全区开展临时救助151人次25.47万元",
        "全区114个村（居）委1178个自然村",
    ):
        assert phrase in flat
    assert exports.prepare("2019H1").summary is not None


def test_the_charts_monthly_series_are_the_figures_month_by_month(demo):
    """The charts read each figure month by month from one grouped query per kind of record; for
    every month it is what the figure gives for that month alone (district and a town)."""
    from civaffairs.models import Region
    from civaffairs.periods import Period, month_end

    keys = sorted(figures.monthly_keys())
    assert {"dibao.households", "dibao.persons", "dibao.paid", "supervisor.allowance.paid"} <= set(keys)
    period = Period.parse("2019H1")
    for region in (None, Region.objects.get(name="石城镇")):
        series = figures.compute_months(period, region, keys)
        for month, row in zip(period.months(), series, strict=True):
            assert row == figures.compute(
                Period(month, month_end(month), f"{month:%Y-%m}"), region, keys=keys
            )
