import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civaffairs.models import AuditEvent
from civaffairs.roles import CASEWORKER
from reports import document, exports, services
from reports.models import Summary
from tests.factories import make_user, village


def _body(summary):
    return summary.sections.get(heading="做好精准低保救助工作。")


def _village_count(summary):
    return document.summary_values(summary).figures["villages.committees"]


def test_the_director_creates_a_summary_from_the_template(summary, director):
    assert summary.status == Summary.Status.DRAFT
    assert summary.title.startswith("{place.author}{period.name}")  # 云安区民政局, or the town
    assert summary.sections.filter(parent=None).count() == 2
    assert summary.sections.count() == 32
    assert AuditEvent.objects.filter(action="summary.create", object_id=str(summary.pk)).exists()
    with pytest.raises(ValidationError, match="已存在"):
        services.create_summary(actor=director, period="2019H1")


def test_only_the_director_creates(chief, caseworker):
    for user in (chief, caseworker):
        with pytest.raises(PermissionDenied):
            services.create_summary(actor=user, period="2019H1")


def test_a_bad_period_is_refused_with_its_reason(director):
    with pytest.raises(ValidationError, match="无法识别的期间"):
        services.create_summary(actor=director, period="2019H3")


def test_each_save_is_a_version_and_audited(summary, chief):
    section = _body(summary)
    services.save_section(
        actor=chief,
        section=section,
        heading=section.heading,
        body="全区低保{dibao.households}户。",
        expected_version=1,
    )
    section.refresh_from_db()
    assert section.version == 2
    assert list(section.versions.values_list("number", flat=True)) == [2, 1]
    event = AuditEvent.objects.get(action="summary.section_save", object_id=str(section.pk))
    assert event.changes["body"][1] == "全区低保{dibao.households}户。"


def test_an_unknown_key_is_refused_at_save_with_its_name(summary, chief):
    section = _body(summary)
    with pytest.raises(ValidationError, match=r"未知的指标 dibao\.famlies"):
        services.save_section(
            actor=chief,
            section=section,
            heading=section.heading,
            body="{dibao.famlies}户",
            expected_version=1,
        )
    section.refresh_from_db()
    assert section.version == 1


def test_a_chief_edits_only_the_sections_of_the_own_section(summary, chief, welfare_chief, director):
    section = _body(summary)  # 社会救助股's
    with pytest.raises(PermissionDenied):
        services.save_section(actor=welfare_chief, section=section, heading="x", body="", expected_version=1)
    reform = summary.sections.get(heading="积极做好机构改革工作。")  # no owning section: the director's
    with pytest.raises(PermissionDenied):
        services.save_section(actor=chief, section=reform, heading="x", body="", expected_version=1)
    services.save_section(actor=director, section=reform, heading="机构改革。", body="", expected_version=1)


def test_a_caseworker_edits_nothing(summary, caseworker):
    with pytest.raises(PermissionDenied):
        services.save_section(
            actor=caseworker, section=_body(summary), heading="x", body="", expected_version=1
        )


def test_the_second_of_two_editors_is_told_and_nothing_is_lost(summary, chief, director):
    section = _body(summary)
    services.save_section(
        actor=chief, section=section, heading=section.heading, body="甲的文字", expected_version=1
    )
    with pytest.raises(services.ConflictError) as caught:
        services.save_section(
            actor=director, section=section, heading=section.heading, body="乙的文字", expected_version=1
        )
    assert caught.value.current.body == "甲的文字"
    section.refresh_from_db()
    assert section.body == "甲的文字"
    # With the new version number the second editor saves the merge.
    services.save_section(
        actor=director,
        section=section,
        heading=section.heading,
        body="甲的文字\n乙的文字",
        expected_version=2,
    )
    section.refresh_from_db()
    assert section.paragraphs() == ["甲的文字", "乙的文字"]


def test_an_old_version_is_restored_as_a_new_one(summary, chief):
    section = _body(summary)
    original = section.body
    services.save_section(
        actor=chief, section=section, heading=section.heading, body="改过", expected_version=1
    )
    services.restore_version(
        actor=chief, section=section, version=section.versions.get(number=1), expected_version=2
    )
    section.refresh_from_db()
    assert section.body == original and section.version == 3
    assert section.versions.get(number=3).note == "恢复第1版"


def test_a_changed_record_moves_the_draft_and_not_the_finalized_summary(director):
    # A template of keys registered on every branch (the mechanism is the same for all keys).
    template = document.parse_template("标题：{period.name}总结\n= 村数\n村（居）委{villages.committees}个。")
    final = services.create_summary(actor=director, period="2019H1", template=template)
    draft = services.create_summary(actor=director, period="2019H2", template=template)
    services.finalize_summary(actor=director, summary=final)
    final.refresh_from_db()
    assert len(final.frozen["charts"]) == 2 and final.frozen["charts"][0].startswith("<svg")
    before_final, before_draft = _village_count(final), _village_count(draft)

    village("石城镇")  # one more village committee

    assert _village_count(final) == before_final
    assert _village_count(draft) == before_draft + 1
    assert f"村（居）委{before_final}个" in exports.prepare("2019H1").rendered.plain_text()
    assert f"村（居）委{before_draft + 1}个" in exports.prepare("2019H2").rendered.plain_text()


def test_finalize_is_refused_while_a_placeholder_is_unresolved(director, db):
    summary = services.create_summary(actor=director, period="2019H1")
    from civaffairs import figures

    known = set(figures.specs()) | set(figures.record_specs())
    if all(k in known for k in document.template_keys(document.load_template())):
        services.finalize_summary(actor=director, summary=summary)
    else:
        with pytest.raises(ValidationError, match="尚未登记"):
            services.finalize_summary(actor=director, summary=summary)


@pytest.fixture
def final_summary(director):
    summary = services.create_summary(
        actor=director,
        period="2019H1",
        template=document.parse_template(
            "标题：{period.name}工作总结\n= 村数\n共{villages.committees}个村（居）委。"
        ),
    )
    return services.finalize_summary(actor=director, summary=summary)


def test_a_finalized_summary_cannot_be_edited(final_summary, director):
    section = final_summary.sections.get()
    with pytest.raises(ValidationError, match="已定稿"):
        services.save_section(actor=director, section=section, heading="x", body="", expected_version=1)


def test_only_the_director_reopens_and_the_reopening_is_audited(final_summary, director, chief):
    with pytest.raises(PermissionDenied):
        services.reopen_summary(actor=chief, summary=final_summary, reason="数据有误")
    with pytest.raises(ValidationError):
        services.reopen_summary(actor=director, summary=final_summary, reason=" ")
    services.reopen_summary(actor=director, summary=final_summary, reason="婚姻登记数据有误")
    final_summary.refresh_from_db()
    assert final_summary.status == Summary.Status.DRAFT and final_summary.frozen is None
    event = AuditEvent.objects.get(action="summary.reopen")
    assert event.changes["reason"] == "婚姻登记数据有误"


def test_recompute_shows_what_moved_since_the_last_look(director):
    summary = services.create_summary(
        actor=director,
        period="2019H1",
        template=document.parse_template("标题：总结\n= 村数\n共{villages.committees}个村（居）委。"),
    )
    changes, values = services.moved_figures(summary)
    assert changes == []
    services.mark_seen(summary=summary, values=values)
    old = values.figures["villages.committees"]
    village("六都镇")
    summary.refresh_from_db()
    changes, _ = services.moved_figures(summary)
    assert [(k, o, n) for k, _label, o, n in changes] == [("villages.committees", old, old + 1)]


def test_a_town_summary_counts_the_town_only(director):
    from tests.factories import town

    liudu = town("六都镇")
    village("六都镇")
    village("石城镇")
    summary = services.create_summary(
        actor=director,
        period="2019H1",
        region=liudu,
        template=document.parse_template("标题：总结\n= 村数\n共{villages.committees}个。"),
    )
    assert _village_count(summary) == 1


def test_unbound_users_see_nothing(db):
    user = make_user(CASEWORKER)
    assert not services.can_view(user)
