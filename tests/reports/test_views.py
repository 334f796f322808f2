import pytest
from django.urls import reverse

from civaffairs.models import AuditEvent
from reports import services
from reports.models import Summary


def _section(summary, heading="做好精准低保救助工作。"):
    return summary.sections.get(heading=heading)


def test_anonymous_is_sent_to_login(client, summary):
    for url in (reverse("reports:list"), reverse("reports:detail", args=[summary.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_caseworker_sees_no_summary(login, caseworker, summary):
    c = login(caseworker)
    assert c.get(reverse("reports:list")).status_code == 403
    assert c.get(reverse("reports:detail", args=[summary.pk])).status_code == 403
    assert c.get(reverse("reports:export", args=[summary.pk, "pdf"])).status_code == 403
    assert c.post(reverse("reports:finalize", args=[summary.pk])).status_code == 403


def test_the_director_creates_a_summary_in_the_browser(login, director):
    c = login(director)
    response = c.post(reverse("reports:list"), {"period": "2019H2", "region": ""})
    summary = Summary.objects.get(period="2019H2")
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:detail", args=[summary.pk]
    )
    page = c.get(response["Location"]).content.decode()
    assert "云安区民政局2019年下半年工作总结" in page
    assert "（二）切实抓好社会救助工作。" in page


def test_a_bad_period_is_explained(login, director):
    page = login(director).post(reverse("reports:list"), {"period": "明年"}).content.decode()
    assert "无法识别的期间" in page


def test_the_preview_links_a_figure_without_a_record_list_to_the_figures_page(login, director, summary):
    page = login(director).get(reverse("reports:detail", args=[summary.pk])).content.decode()
    assert 'href="/figures/?period=2019H1#fig-dibao.paid" title="dibao.paid：上期 2018年下半年：0万元' in page
    # A figure with records behind it links to them instead (tests/reports/test_drilldown.py).
    assert 'href="/figures/?period=2019H1#fig-dibao.households"' not in page
    assert 'class="fig drill" href="/assistance/cases/?' in page


def test_the_preview_links_a_record_list_to_its_records_and_the_title_to_nothing(login, director, summary):
    """A record list has no row on the figures page: it links to the list of its records (the
    projects, the villages) where one exists, and the title's words are text, not figures."""
    page = login(director).get(reverse("reports:detail", args=[summary.pk])).content.decode()
    assert (
        'class="fig drill" href="/welfare/projects/?kind=rescue_station" data-key="welfare.rescue_station"'
        in page
    )
    assert 'href="/grassroots/projects/?started_until=2019-06-30&amp;kind=happiness"' in page
    assert "#fig-welfare." not in page and "#fig-happiness.village_names" not in page
    assert "#fig-place.author" not in page and "云安区民政局2019年上半年工作总结" in page
    # The summary's own list (the previous plan) has no list page: it is marked, not linked.
    text = "上期：{plan.previous:个数}项。"
    section = _section(summary)
    fragment = login(director).post(
        reverse("reports:section_preview", args=[summary.pk, section.pk]), {"heading": "x", "body": text}
    )
    assert (
        'class="fig records" data-key="plan.previous" title="plan.previous：来自上期工作计划事项及落实情况的记录">0</span>'
        in (fragment.content.decode())
    )


def test_a_chief_edits_the_own_section_with_a_preview(login, chief, summary):
    c = login(chief)
    section = _section(summary)
    url = reverse("reports:section_edit", args=[summary.pk, section.pk])
    page = c.post(
        url, {"heading": section.heading, "body": "现有{dibao.households}户。", "version": 1, "preview": ""}
    )
    assert "现有" in page.content.decode() and ">0</a>户" in page.content.decode()
    assert 'class="fig drill" href="/assistance/cases/?' in page.content.decode()
    section.refresh_from_db()
    assert section.version == 1  # a preview saves nothing
    fragment = c.post(
        reverse("reports:section_preview", args=[summary.pk, section.pk]), {"body": "{dibao.paid}"}
    )
    assert "0万元" in fragment.content.decode()
    response = c.post(
        url, {"heading": section.heading, "body": "现有{dibao.households}户。", "version": 1, "save": ""}
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body == "现有{dibao.households}户。"


def test_a_chief_cannot_open_another_sections_editor(login, welfare_chief, summary):
    section = _section(summary)
    url = reverse("reports:section_edit", args=[summary.pk, section.pk])
    assert login(welfare_chief).get(url).status_code == 403


def test_an_unknown_key_is_shown_with_its_name_and_the_text_kept(login, chief, summary):
    section = _section(summary)
    url = reverse("reports:section_edit", args=[summary.pk, section.pk])
    page = login(chief).post(
        url, {"heading": section.heading, "body": "{dibao.foo}户", "version": 1, "save": ""}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "未知的指标 dibao.foo" in text and "{dibao.foo}户</textarea>" in text


def test_the_second_editor_sees_the_first_ones_text_and_keeps_their_own(login, chief, director, summary):
    section = _section(summary)
    url = reverse("reports:section_edit", args=[summary.pk, section.pk])
    login(chief).post(url, {"heading": section.heading, "body": "股长的文字", "version": 1, "save": ""})
    page = login(director).post(
        url, {"heading": section.heading, "body": "局长的文字", "version": 1, "save": ""}
    )
    text = page.content.decode()
    assert "对方已保存的版本" in text and "股长的文字" in text and "局长的文字</textarea>" in text
    assert 'name="version" value="2"' in text


def test_versions_compare_and_restore(login, chief, summary):
    section = _section(summary)
    services.save_section(
        actor=chief, section=section, heading=section.heading, body="新文字", expected_version=1
    )
    c = login(chief)
    page = c.get(
        reverse("reports:versions", args=[summary.pk, section.pk]), {"a": 1, "b": 2}
    ).content.decode()
    assert "第1版与第2版的差异" in page and "新文字" in page
    response = c.post(reverse("reports:restore", args=[summary.pk, section.pk, 1]), {"version": 2})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.version == 3 and section.body != "新文字"


def test_the_versions_page_opens_on_the_last_change_and_explains_a_half_made_choice(login, chief, summary):
    section = _section(summary)
    services.save_section(
        actor=chief, section=section, heading=section.heading, body="新文字", expected_version=1
    )
    c = login(chief)
    url = reverse("reports:versions", args=[summary.pk, section.pk])
    page = c.get(url).content.decode()
    # Opened from the summary, it shows what the last save changed, without choosing anything.
    assert "第1版与第2版的差异" in page and "新文字" in page
    assert '<label><input type="radio" name="a" value="1" checked> 旧</label>' in page
    # One version chosen, or the same one twice: told what to do, not an empty page.
    for query in ({"a": 1}, {"a": 2, "b": 2}):
        page = c.get(url, query).content.decode()
        assert "各选一个不同的版本" in page and "的差异" not in page


def test_the_director_inserts_moves_and_deletes_sections(login, director, summary):
    c = login(director)
    item = _section(summary)
    url = reverse("reports:structure", args=[summary.pk, item.pk])
    c.post(url, {"action": "add", "where": "after", "heading": "做好低保专项治理。"})
    page = c.get(reverse("reports:detail", args=[summary.pk])).content.decode()
    assert "2.做好低保专项治理。" in page and "3.做好特困供养救助工作。" in page
    c.post(url, {"action": "delete"})
    page = c.get(reverse("reports:detail", args=[summary.pk])).content.decode()
    assert "1.做好低保专项治理。" in page


def test_a_chief_cannot_change_the_structure_or_finalize(login, chief, summary):
    c = login(chief)
    item = _section(summary)
    assert (
        c.post(reverse("reports:structure", args=[summary.pk, item.pk]), {"action": "delete"}).status_code
        == 403
    )
    assert c.post(reverse("reports:finalize", args=[summary.pk])).status_code == 403
    assert c.post(reverse("reports:reopen", args=[summary.pk]), {"reason": "x"}).status_code == 403


@pytest.fixture
def final(director):
    from reports import document

    summary = services.create_summary(
        actor=director,
        period="2019H1",
        template=document.parse_template("标题：总结\n= 村数\n共{villages.committees}个。"),
    )
    return summary


def test_the_director_finalizes_and_reopens(login, director, final):
    c = login(director)
    c.post(reverse("reports:finalize", args=[final.pk]))
    final.refresh_from_db()
    assert final.is_final
    page = c.get(reverse("reports:detail", args=[final.pk])).content.decode()
    assert "已定稿" in page and "重新打开" in page
    c.post(reverse("reports:reopen", args=[final.pk]), {"reason": "补充数据"})
    final.refresh_from_db()
    assert not final.is_final
    assert AuditEvent.objects.filter(action="summary.reopen").exists()


def test_a_chief_exports_drafts_but_not_a_finalized_summary(login, chief, director, final):
    c = login(chief)
    assert c.get(reverse("reports:export", args=[final.pk, "docx"])).status_code == 200
    services.finalize_summary(actor=director, summary=final)
    assert c.get(reverse("reports:export", args=[final.pk, "docx"])).status_code == 403


def test_the_pdf_download_is_audited(login, director, final):
    response = login(director).get(reverse("reports:export", args=[final.pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_repr__contains="工作总结.pdf").exists()


def test_recompute_page(login, director, final):
    c = login(director)
    assert "已记录当前数据" in c.get(reverse("reports:recompute", args=[final.pk])).content.decode()
    from tests.factories import village

    village("石城镇")
    page = c.get(reverse("reports:recompute", args=[final.pk])).content.decode()
    assert "村（居）委数" in page


def test_an_auditors_recompute_shows_what_moved_without_moving_the_directors_last_look(
    login, director, auditor, final
):
    from tests.factories import village

    login(director).get(reverse("reports:recompute", args=[final.pk]))
    final.refresh_from_db()
    seen = final.seen
    village("石城镇")
    page = login(auditor).get(reverse("reports:recompute", args=[final.pk])).content.decode()
    assert "村（居）委数" in page and "您的查看不更新这一记录" in page
    final.refresh_from_db()
    assert final.seen == seen
    # The director still sees the change on the next look.
    assert (
        "村（居）委数" in login(director).get(reverse("reports:recompute", args=[final.pk])).content.decode()
    )


def test_reopening_without_a_reason_is_explained_in_chinese_by_the_server(login, director, final):
    c = login(director)
    services.finalize_summary(actor=director, summary=final)
    page = c.get(reverse("reports:detail", args=[final.pk])).content.decode()
    # The browser's own "Please fill out this field" would speak the browser's language.
    assert 'class="filter" novalidate data-confirm="重新打开后' in page
    page = c.post(reverse("reports:reopen", args=[final.pk]), {"reason": ""}, follow=True).content.decode()
    assert "重新打开失败" in page and "原因" in page


def test_the_new_summary_form_proposes_the_half_year_after_the_newest(login, director, summary):
    page = login(director).get(reverse("reports:list")).content.decode()
    assert 'name="period" value="2019H2"' in page  # 2019H1 exists: proposing it would only be refused


def test_recompute_writes_the_moved_values_as_the_text_does():
    from civaffairs import figures
    from reports.placeholders import Values
    from reports.views import _as_written

    values = Values(figures={}, units={"dibao.paid": figures.MONEY, "villages.committees": figures.COUNT})
    assert _as_written("dibao.paid", "12054200.00", values) == "1205.42万元（12054200.00）"
    assert _as_written("villages.committees", 114, values) == "114"
    assert _as_written("dibao.paid", None, values) is None
