"""Browser journeys: Playwright drives Debian's chromium against pytest-django's live_server.

One browser per session, a fresh context (cookies, storage, viewport) per test. Every page
is watched: a console error, an uncaught exception, a CSP violation, a failed or 4xx/5xx
request to the live server, or any request to another host fails the test. On failure a
screenshot of every open page goes to tests/e2e/artifacts/.

Settings: pytest-django loads the settings before any conftest runs, so this folder cannot
switch them itself; `make e2e` therefore runs with twinwise.settings.test unless
`--ds twinwise.settings.e2e` (or DJANGO_SETTINGS_MODULE) is given. The two differ only in
what the e2e module overrides, and the journeys pass with either.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an asyncio loop running in this thread; Django would refuse
# ORM calls from it (SynchronousOnlyOperation) though nothing here is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Options for a browser context (indirect parametrisation of the `context` fixture).
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 10_000
# Requests the browser makes by itself rather than for a page. base.html links an icon, so
# chromium no longer asks for /favicon.ico; kept as the one place to list such paths.
BROWSER_OWN_REQUESTS: tuple[str, ...] = ()

# Reported to the console as an error so it cannot go unnoticed; Playwright's init scripts
# are injected over the DevTools protocol, so the page's CSP does not block this one.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The context fixture reads this to decide whether to keep screenshots.
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    # Checked here rather than in teardown so a browser problem fails the test itself.
    watcher = item.funcargs.get("watcher")
    if watcher is not None:
        watcher.assert_clean()
    return result


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"the browser journeys need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watcher:
    """Everything that went wrong in the browser, as readable lines."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda message: self._console(message, page))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught JS error: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message, page) -> None:
        where = message.location.get("url") or page.url
        if message.type == "error" and not self._browser_own(where):
            self.problems.append(f"console error on {where}: {message.text}")

    def _browser_own(self, url: str) -> bool:
        return self._ours(url) and urlsplit(url).path in BROWSER_OWN_REQUESTS

    def _ours(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def _request(self, request) -> None:
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if not self._ours(request.url):
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def _failed(self, request) -> None:
        error = request.failure or ""
        # htmx cancels a search still in flight when the reader types on (hx-sync replace).
        if "ERR_ABORTED" in error and request.resource_type in {"xhr", "fetch"}:
            return
        if self._ours(request.url):
            self.problems.append(f"request failed: {request.url} ({error})")

    def _response(self, response) -> None:
        if response.status >= 400 and self._ours(response.url):
            if self._browser_own(response.url):
                return
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def assert_clean(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, "The browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def e2e_world(transactional_db, world):
    """The small world, committed so the live server's thread sees it."""
    return world


@pytest.fixture
def watcher(live_server):
    return Watcher(origin=live_server.url.rstrip("/"))


@pytest.fixture
def context(browser, live_server, watcher, request):
    """A fresh browser context; problems seen by any of its pages fail the test."""
    options = getattr(request, "param", DESKTOP)
    ctx = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.add_init_script(CSP_REPORTER)
    ctx.on("page", watcher.attach)
    yield ctx
    reports = (getattr(request.node, f"rep_{when}", None) for when in ("setup", "call"))
    failed = any(report is not None and report.failed for report in reports)
    if failed or watcher.problems:
        _screenshots(ctx, request.node.name)
    ctx.close()
    watcher.assert_clean()  # anything seen after the test body (pytest_runtest_call) ran


@pytest.fixture
def page(context):
    return context.new_page()


def _screenshots(ctx, test_name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", test_name)
    for index, open_page in enumerate(ctx.pages):
        try:
            open_page.screenshot(path=ARTIFACTS / f"{stem}-{index}.png", full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"could not save a screenshot of {open_page.url}: {error}")
