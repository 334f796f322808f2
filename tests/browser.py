"""Helpers for the Chromium journeys (tests/*/test_browser_*.py): Debian's Chromium, and the
village picker worked as a person works it."""

import contextlib
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium_page():
    # Touch no database inside this block: with Playwright's event loop running, Django's
    # connections live in another context, and one opened here would outlive the test.
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def open_picker(page, field_id, typed):
    """Open the village picker and type part of a name, key by key as a person does; returns the
    options once the answer for the whole of `typed` is shown."""

    def answers_typed(response):
        url = urlsplit(response.url)
        return url.path.endswith("/villages/autocomplete/") and parse_qs(url.query).get("q") == [typed]

    page.locator(f"#{field_id} + .select2-container .select2-selection").click()
    with page.expect_response(answers_typed):
        page.locator(".select2-container--open .select2-search__field").press_sequentially(typed, delay=50)
    results = page.locator(".select2-container--open .select2-results")
    expect(results.locator(".loading-results")).to_have_count(0)
    return results.get_by_role("option")


def pick_village(page, field_id, typed, label):
    """Choose the option labelled `label` (石城镇·上洞村) after typing `typed` into the picker."""
    options = open_picker(page, field_id, typed)
    options.filter(has_text=label).click()
    expect(page.locator(f"#select2-{field_id}-container")).to_have_text(label)


def offered(page, field_id, typed):
    """Every label the picker offers for `typed`; the picker is left closed."""
    labels = open_picker(page, field_id, typed).all_inner_texts()
    page.keyboard.press("Escape")
    return labels
