"""A person's path through the Prefect UI: find the retrain deployment, start a run from its
form, and watch it complete. Headless Chromium from Debian's packages, driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from local.stack import LocalStack
from tests.e2e.conftest import RUN_TIMEOUT, assert_completed, wait_for_final

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("on_stack")]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded build); CI installs it, elsewhere it may be absent."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """A fresh page; its last view is kept as a screenshot if the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    yield opened
    opened.screenshot(path=str(tmp_path / "last-page.png"), full_page=True)
    context.close()


def test_start_a_retrain_from_the_deployment_form(on_stack: LocalStack, page: Page) -> None:
    failed_calls: list[str] = []
    page.on("response", lambda response: record_error(response, failed_calls))
    page.on("requestfailed", lambda r: failed_calls.append(f"{r.method} {r.url}: {r.failure}"))
    page.goto(f"{on_stack.ui_url}/deployments")
    page.get_by_role("link", name="weekly", exact=True).click()
    page.wait_for_url("**/deployments/deployment/**")
    expect(page.get_by_text("At 02:00 AM, only on Monday")).to_be_visible()

    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run", exact=True).click()
    page.wait_for_url("**/run?**")
    config_field = page.get_by_text("config_path (Optional)", exact=True)
    expect(config_field.locator("xpath=following::textarea[1]")).to_have_value("config/demo.yaml")
    # The switch of the `batch` parameter: the first switch after its label.
    label = page.get_by_text("batch (Optional)", exact=True)
    batch = label.locator("xpath=following::*[@role='switch'][1]")
    expect(batch).to_be_checked()
    expect(page.get_by_text("Refresh batch recommendations after promotion.")).to_be_visible()
    batch.click()  # a parameter set through the form: skip the batch refresh
    expect(batch).not_to_be_checked()
    page.get_by_role("textbox").first.fill("retrain-from-the-form")  # the Run Name field
    toast = submit(page, failed_calls)
    toast.dispatch_event("click")  # the toast keeps sliding, so click it without waiting
    page.wait_for_url("**/runs/flow-run/**")
    run_id = UUID(page.url.split("/runs/flow-run/")[1].split("?")[0])
    run = wait_for_final(run_id, RUN_TIMEOUT)
    assert_completed(run, on_stack)
    assert run.parameters["batch"] is False
    assert run.parameters["config_path"] == "config/demo.yaml"

    page.reload()
    expect(page.get_by_text("retrain-from-the-form", exact=True)).to_be_visible()
    expect(page.get_by_text("Completed", exact=True).first).to_be_visible()


def record_error(response: Response, failed_calls: list[str]) -> None:
    """Note an API call the UI made that failed (its body, when the browser still has it)."""
    if response.status < 400:
        return
    try:
        body = response.text()[:300]
    except PlaywrightError:
        body = "(body no longer available)"
    failed_calls.append(f"{response.status} {response.request.method} {response.url}: {body}")


def submit(page: Page, failed_calls: list[str], attempts: int = 2) -> Locator:
    """Submit the run form; the toast that links to the new run.

    On a loaded machine the UI's create call can fail in the browser with no error response
    ("Something went wrong trying to create a flow run"); a person would submit again, so the
    test does too, once, and reports what failed.
    """
    created = page.get_by_role("button", name="View run").first  # "... scheduled to start now"
    went_wrong = page.get_by_text("Something went wrong trying to create a flow run").first
    for attempt in range(1, attempts + 1):
        page.get_by_role("button", name="Submit").click()
        expect(created.or_(went_wrong)).to_be_visible(timeout=30_000)
        if created.is_visible():
            return created
        if attempt < attempts:
            print(f"run creation failed in the UI (attempt {attempt}): {failed_calls}")
            page.get_by_role("button", name="Close").first.click()
    expect(created, f"no run created; API errors: {failed_calls}").to_be_visible()
    return created
