"""Browser suite: the worker website and OpenTurk's Crowd HTML Elements in headless Chromium
(Debian's /usr/bin/chromium), driven by Python Playwright, with axe-core accessibility checks.

The servers are the real `openturk` binary, started exactly as the client suite starts them
(tests/client/conftest.py's `Server`: test clock, temporary data directory, PostgreSQL when
OPENTURK_TEST_PG_URL is set). Run with scripts/browser-tests, which installs what is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# The client suite's server harness, loaded under another module name (both files are called
# conftest.py).
_spec = importlib.util.spec_from_file_location("openturk_client_harness", ROOT / "tests" / "client" / "conftest.py")
client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(client)
Server = client.Server
unique = client.unique
hit_params = client.hit_params
WORKER_PASSWORD = client.WORKER_PASSWORD

CHROMIUM = os.environ.get("OPENTURK_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
WIDTHS = (1280, 360)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.exit(f"no browser at {CHROMIUM}; run scripts/browser-tests, which installs Debian's chromium", 2)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Page:
    """A fresh browser context (no cookies) and page, 1280 px wide. The site's
    Content-Security-Policy allows no inline script, so the context bypasses CSP for axe-core's
    injected script tag (what the CSP itself says is checked with plain HTTP elsewhere)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ctx.set_default_timeout(15_000)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    yield pg
    ctx.close()


@pytest.fixture(scope="module")
def server():
    s = Server(tag="browser")
    yield s
    s.stop()


# ----- helpers -----


def assert_accessible(page: Page, context: str | None = None) -> list:
    """Runs axe-core on the page (or on the elements matching the CSS selector `context`) and
    fails on any serious or critical violation. Returns all violations (for the minor ones)."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is not installed at {AXE_JS}; run scripts/browser-tests")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (ctx) => await axe.run(ctx ? document.querySelectorAll(ctx) : document, {resultTypes: ['violations']})",
        context,
    )
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    if bad:
        lines = []
        for v in bad:
            targets = [", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"]]
            lines.append(f"{v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})\n    at {targets[:5]}")
        pytest.fail(f"axe found {len(bad)} serious/critical violation(s) on {page.url}:\n" + "\n".join(lines))
    return result["violations"]


def screenshots(page: Page, name: str) -> list[Path]:
    """Saves full-page screenshots of the page at 1280 and 360 px wide into
    tests/browser/screenshots/ (gitignored) as NAME-1280.png and NAME-360.png; restores the
    viewport. A page wider than the viewport at 360 px (horizontal scrolling) fails."""
    SCREENSHOTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    before = page.viewport_size
    out = []
    for w in WIDTHS:
        page.set_viewport_size({"width": w, "height": 800})
        path = SCREENSHOTS / f"{safe}-{w}.png"
        page.screenshot(path=str(path), full_page=True)
        out.append(path)
        if w == 360:
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            assert scroll <= w + 1, f"{page.url} scrolls sideways at {w} px: it is {scroll} px wide"
    if before:
        page.set_viewport_size(before)
    return out


def tab_to(page: Page, selector: str, max_tabs: int = 40) -> None:
    """Presses Tab until the element matching `selector` has the focus (fails if it never does)."""
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    pytest.fail(f"{selector} never got the focus after {max_tabs} tabs (last: {focused})")


def sign_in_by_keyboard(page, server, name: str, password: str = WORKER_PASSWORD) -> None:
    page.goto(server.url + "/sign-in")
    tab_to(page, "#username")
    page.keyboard.type(name)
    tab_to(page, "#password")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def wait_for(predicate, seconds: float = 15.0):
    """Polls what the browser or the server shows until `predicate()` is truthy (the browser
    acts on its own time); returns the last value."""
    end = time.monotonic() + seconds
    while True:
        got = predicate()
        if got or time.monotonic() > end:
            return got
        time.sleep(0.1)
