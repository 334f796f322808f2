"""The director's journey in real Chromium: change a paragraph, preview it, finalize, download
the PDF. A caseworker can do none of it."""

import pytest
from playwright.sync_api import expect

from civaffairs import figures
from civaffairs.roles import CASEWORKER, DIRECTOR
from reports import document, services
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, make_user, village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def registered_only(doc):
    """The shipped template without the sections whose figures no installed app registers yet
    (after every app registers its figures: the whole template)."""
    known = set(figures.specs()) | set(figures.record_specs())

    def resolvable(node):
        keys = {p.key for t in (node.heading, node.body) for p in document.placeholders(t)}
        return all(k in known or k.startswith("period.") for k in keys)

    def prune(nodes):
        kept = []
        for n in nodes:
            if resolvable(n):
                n.children = prune(n.children)
                kept.append(n)
        return kept

    doc.sections = prune(doc.sections)
    return doc


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("工作台")


def test_the_director_edits_previews_finalizes_and_downloads_the_pdf(live_server, tmp_path):
    director = make_user(DIRECTOR, username="director")
    make_user(CASEWORKER, town="石城镇", username="shicheng")
    for _ in range(2):
        village("石城镇")
    services.create_summary(
        actor=director, period="2019H1", template=registered_only(document.load_template())
    )

    with chromium_page() as page:
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before finalizing
        log_in(page, live_server, "director")
        page.locator("header nav").get_by_role("link", name="工作总结", exact=True).click()
        page.get_by_role("link", name="查看").click()
        expect(page.locator(".paper h1")).to_have_text("云安区民政局2019年上半年工作总结及下半年工作计划")
        expect(page.locator(".paper")).to_contain_text("（一）积极做好机构改革工作。")

        page.locator('a.edit[data-heading="积极做好机构改革工作。"]').click()
        expect(page.locator("h1")).to_have_text("编辑章节：积极做好机构改革工作。")
        page.wait_for_load_state("load")  # the editor's script (a static file) listens from here on
        page.fill("#id_body", "全区{villages.committees}个村（居）委完成机构改革衔接工作。")
        # The preview beside the text follows the typing (the figure resolved).
        expect(page.locator("#preview")).to_contain_text(
            "全区2个村（居）委完成机构改革衔接工作。", timeout=15000
        )
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("已保存")
        expect(page.locator(".paper")).to_contain_text("全区2个村（居）委完成机构改革衔接工作。")

        page.locator("#finalize").click()
        expect(page.locator(".messages")).to_contain_text("已定稿")
        expect(page.locator("h1 .badge")).to_have_text("已定稿")
        with page.expect_download() as download:
            page.locator("#export-pdf").click()
        path = tmp_path / "summary.pdf"
        download.value.save_as(path)
        assert path.read_bytes().startswith(b"%PDF")

        page.context.clear_cookies()
        log_in(page, live_server, "shicheng")
        expect(page.locator("header nav")).not_to_contain_text("工作总结")
        response = page.goto(live_server.url + "/reports/")
        assert response.status == 403
