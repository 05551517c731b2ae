"""A person's path through the Prefect UI: find the retrain deployment, start a run from its
form, and watch it complete. Headless Chromium from Debian's packages, driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.client.schemas.objects import FlowRun

from local.stack import LocalStack
from tasks.history import history_key
from tests.e2e.conftest import RUN_TIMEOUT, assert_completed, on_api, wait_for_final

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("on_stack")]

CHROMIUM = "/usr/bin/chromium"
SOLUTION = "personalize-demo-user-personalization"  # config/demo.yaml's gated solution
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
    # More deployments than one page holds: search, as a person would.
    page.get_by_placeholder("Search deployments").fill("weekly")
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
    expect(page.get_by_text("Refresh batch recommendations after promotion (and")).to_be_visible()
    batch.click()  # a parameter set through the form: skip the batch refresh
    expect(batch).not_to_be_checked()
    page.get_by_role("textbox").first.fill("retrain-from-the-form")  # the Run Name field
    submit(page, failed_calls)
    created = runs_named("retrain-from-the-form")
    if len(created) > 1:  # seen under load: one Submit, two runs (see ``submit``)
        print(f"one Submit created {len(created)} runs: {[str(r.id) for r in created]}")
    page.goto(f"{on_stack.ui_url}/runs/flow-run/{created[0].id}")
    run = wait_for_final(created[0].id, RUN_TIMEOUT)
    # The stack is shared: this run's export (the demo's first 60 days) meets whatever earlier
    # tests left serving, e.g. a model of the whole history. The data checks refuse an older
    # FULL export before import (issue 22), or the gate stops the model: both are right ends
    # for this run; any other failure is not.
    assert run.state is not None
    message = str(run.state.message)
    gated = run.state.is_failed() and (
        message.startswith("stopped by the gate") or "import refused" in message
    )
    if not gated:
        assert_completed(run, on_stack)
    assert run.parameters["batch"] is False
    assert run.parameters["config_path"] == "config/demo.yaml"

    page.reload()
    expect(page.get_by_text("retrain-from-the-form", exact=True)).to_be_visible()
    expect(page.get_by_text("Failed" if gated else "Completed", exact=True).first).to_be_visible()

    # The solution's metrics history renders as a picture (an SVG data URI) above its table.
    page.goto(f"{on_stack.ui_url}/artifacts/key/{history_key(SOLUTION)}")
    page.get_by_role("link", name=re.compile(r"^[0-9a-f]{8}$")).first.click()  # the latest
    chart = page.locator("img[src^='data:image/svg+xml']").first
    expect(chart).to_be_visible(timeout=30_000)
    assert chart.evaluate("image => image.complete && image.naturalWidth > 600")
    expect(page.get_by_role("cell", name="promoted").first).to_be_visible()

    # The gate's table reads as a person sees it (issue 23, bug 4): the verdict beside the
    # metric, within a 1,400 px window; rules in words, not Markdown that turns ">=" into a
    # blockquote or "-" into a bullet.
    page.goto(f"{on_stack.ui_url}/artifacts/key/gate-{SOLUTION}")
    page.get_by_role("link", name=re.compile(r"^[0-9a-f]{8}$")).first.click()  # the latest
    headers = page.get_by_role("columnheader")
    expect(headers.first).to_be_visible(timeout=30_000)
    names = [h.strip().lower() for h in headers.all_inner_texts()]
    assert names[names.index("metric") + 1] == "result", names
    result = headers.nth(names.index("result")).bounding_box()
    assert result is not None and result["x"] + result["width"] <= 1400
    table = page.get_by_role("table").first
    assert table.locator("blockquote, ul, ol, li").count() == 0
    cells = [c.strip() for c in table.get_by_role("cell").all_inner_texts()]
    assert cells and not [c for c in cells if c in ("", "-") or c.startswith(("▌", ">"))]
    assert any(c.startswith(("at least", "drop of at most", "holdout:")) for c in cells)

    # The run's data report shows interactions per user and events per day as pictures too.
    page.goto(f"{on_stack.ui_url}/artifacts/key/data-report-interactions")
    page.get_by_role("link", name=re.compile(r"^[0-9a-f]{8}$")).first.click()  # the latest
    charts = page.locator("img[src^='data:image/svg+xml']")
    expect(charts.nth(1)).to_be_visible(timeout=30_000)
    assert charts.evaluate_all("images => images.every(i => i.complete && i.naturalWidth > 600)")
    expect(page.get_by_role("heading", name="Events per day")).to_be_visible()


def runs_named(name: str, timeout: float = 30.0) -> list[FlowRun]:
    """The flow runs called ``name``, oldest first, once there is at least one."""
    deadline = time.monotonic() + timeout
    by_name = FlowRunFilter(name=FlowRunFilterName(any_=[name]))
    while True:
        runs = on_api(lambda c: c.read_flow_runs(flow_run_filter=by_name))
        if runs or time.monotonic() > deadline:
            assert runs, f"no flow run called {name}"
            return sorted(runs, key=lambda r: r.created or r.expected_start_time)
        time.sleep(0.5)


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

    Seen on a loaded machine: the API answers the UI's create_flow_run with 503 "Service
    Unavailable", which Prefect's server sends only for a retryable database error (SQLite's
    "database is locked" while another writer, e.g. the worker polling every 2 s, holds it);
    Prefect's Python client retries those, the UI shows "Something went wrong trying to create
    a flow run". A person would submit again, so the test does too, once, and reports what
    failed (the stack's server log names the statement).
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
            # The toasts' progress circles cover the button: click it without the hit test.
            page.get_by_role("button", name="Close").first.dispatch_event("click")
    expect(created, f"no run created; API errors: {failed_calls}").to_be_visible()
    return created
