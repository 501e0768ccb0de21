"""The worker website's pages in a real browser: each passes axe-core (no serious or critical
violations), renders at 1280 and 360 px without sideways scrolling (screenshots saved), and the
sign-up and sign-in forms work by keyboard alone."""

from __future__ import annotations

from conftest import WORKER_PASSWORD, assert_accessible, screenshots, sign_in_by_keyboard, tab_to, unique


def sign_up_by_keyboard(page, server, name: str) -> None:
    page.goto(server.url + "/sign-up")
    tab_to(page, "#username")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(WORKER_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type("US")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_home_signed_out(page, server):
    r = page.goto(server.url + "/")
    assert r.status == 200
    assert page.title().endswith("OpenTurk")
    assert page.get_by_role("link", name="Sign in").count() >= 1
    assert_accessible(page)
    screenshots(page, "home-signed-out")
    # The first Tab reaches the skip link, which moves the focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.js_errors == []


def test_sign_up_page(page, server):
    r = page.goto(server.url + "/sign-up")
    assert r.status == 200
    assert_accessible(page)
    screenshots(page, "sign-up")
    name = unique("bu")
    sign_up_by_keyboard(page, server, name)
    # Signed up and signed in: the navigation offers signing out.
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert_accessible(page)


def test_sign_in_page_by_keyboard(page, server):
    worker = server.create_worker()
    r = page.goto(server.url + "/sign-in")
    assert r.status == 200
    assert_accessible(page)
    screenshots(page, "sign-in")
    sign_in_by_keyboard(page, server, worker.username, "wrong password!")
    # A failed sign-in shows its error on an accessible page.
    assert page.locator("[role=alert]").is_visible()
    assert_accessible(page)
    screenshots(page, "sign-in-error")
    sign_in_by_keyboard(page, server, worker.username)
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert worker.worker_id in page.content()
    assert page.js_errors == []


def test_hit_list(page, server):
    title = "Browser test " + unique()
    server.default.create_hit(Title=title, Reward="0.75", MaxAssignments=3)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(server.url + "/")
    assert page.get_by_text(title).count() >= 1
    assert "0.75" in page.content()
    assert_accessible(page)
    screenshots(page, "hit-list")
    assert page.js_errors == []


def test_not_found_page(page, server):
    r = page.goto(server.url + "/no/such/page")
    assert r.status == 404
    assert_accessible(page)
    screenshots(page, "not-found")
    # The way back home is reachable by keyboard.
    tab_to(page, "a[href='/']")
