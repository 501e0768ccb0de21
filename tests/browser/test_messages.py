"""Messages in the browser: a requester (boto3) NotifyWorkers a worker whose work it approved;
the worker sees the unread count in the navigation, opens the inbox and the message (the
requester's text escaped, its line breaks kept), marks it read and the count drops; and sets,
then removes, the email address NotifyWorkers emails. Every new page passes axe and is kept as
a screenshot at 1280 and 360 px."""

from __future__ import annotations

import re

from conftest import assert_accessible, screenshots, sign_in_by_keyboard, unique


def worked_for(server):
    """A worker whose work the default requester approved: one NotifyWorkers reaches."""
    c = server.default.client
    worker = server.create_worker()
    hit = server.default.create_hit(Title=unique("Work before a message "))
    aid = worker.work(hit["HITId"])
    c.approve_assignment(AssignmentId=aid)
    return worker


def nav(page):
    return page.get_by_role("navigation", name="Main")


def test_a_message_from_a_requester(page, server):
    c = server.default.client
    worker = worked_for(server)
    subject = unique("Bonus HITs tomorrow ")
    text = ("Hello,\nnew HITs at 9:00 UTC.\n\n<script>alert('x')</script> "
            "<a href=\"https://evil.example/\">claim</a>")
    r = c.notify_workers(Subject=subject, MessageText=text, WorkerIds=[worker.worker_id])
    assert r["NotifyWorkersFailureStatuses"] == []
    c.notify_workers(Subject=unique("Older news "), MessageText="Second message", WorkerIds=[worker.worker_id])

    sign_in_by_keyboard(page, server, worker.username)
    link = nav(page).get_by_role("link", name=re.compile(r"^Messages"))
    # "Messages (2)" to the eye; "Messages (2) unread" to a screen reader.
    assert link.text_content() == "Messages (2) unread"
    link.click()
    page.wait_for_url(re.compile("/messages$"))
    assert page.get_by_role("heading", name="Messages", exact=True).is_visible()
    assert page.get_by_text("2 messages are unread.").is_visible()
    assert page.locator(".inbox li.unread").count() == 2
    assert_accessible(page)
    screenshots(page, "messages")

    # The unread-only filter.
    page.get_by_role("link", name="Unread only").click()
    page.wait_for_url(re.compile(r"/messages\?unread=1$"))
    assert page.locator(".inbox li").count() == 2
    assert_accessible(page)

    # The message in full: escaped, line breaks kept, no live link; opening it changes nothing.
    page.get_by_role("link", name=re.compile(re.escape(subject))).click()
    page.wait_for_url(re.compile(r"/messages/[A-Z0-9]+$"))
    assert page.get_by_role("heading", name=subject).is_visible()
    body = page.locator(".message-text")
    assert body.inner_text() == text
    assert body.locator("a, script").count() == 0
    assert body.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert "Messages (2)" in nav(page).get_by_role("link", name=re.compile(r"^Messages")).text_content()
    assert_accessible(page)
    screenshots(page, "message")

    # Mark as read: the count drops, and the filter no longer lists it.
    with page.expect_navigation():
        page.get_by_role("button", name="Mark as read").click()
    assert page.get_by_text(re.compile(r"^Read on ")).is_visible()
    assert page.get_by_role("button", name="Mark as read").count() == 0
    assert "Messages (1)" in nav(page).get_by_role("link", name=re.compile(r"^Messages")).text_content()
    listed = worker.call("GET", "/messages").json()
    assert listed["UnreadCount"] == 1
    assert [m["ReadTime"] is not None for m in listed["Messages"] if m["Subject"] == subject] == [True]
    screenshots(page, "message-read")
    page.goto(server.url + "/messages?unread=1")
    assert page.locator(".inbox li").count() == 1
    assert page.get_by_role("link", name=re.compile(re.escape(subject))).count() == 0
    assert page.js_errors == []


def test_the_email_address(page, server):
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    assert nav(page).get_by_role("link", name="Messages", exact=True).is_visible()
    page.get_by_role("link", name=re.compile("your account")).click()
    page.wait_for_url(re.compile("/account$"))
    field = page.get_by_label("Your email address")
    assert field.input_value() == ""
    assert page.get_by_text(re.compile("You have not given an address")).is_visible()
    address = f"{worker.username.lower()}@example.org"
    field.fill(address)
    with page.expect_navigation():
        page.get_by_role("button", name="Save email address").click()
    assert page.get_by_text("Your email address was saved.").is_visible()
    assert page.get_by_label("Your email address").input_value() == address
    assert worker.me()["Email"] == address
    assert_accessible(page)
    screenshots(page, "account-email")

    # Not an address (the browser's own check aside): the server says why, the input is kept.
    page.get_by_label("Your email address").evaluate("e => e.type = 'text'")
    page.get_by_label("Your email address").fill("not an address")
    with page.expect_navigation():
        page.get_by_role("button", name="Save email address").click()
    assert page.get_by_role("alert").filter(has_text="is not an email address").is_visible()
    assert page.get_by_label("Your email address").input_value() == "not an address"
    assert_accessible(page)
    screenshots(page, "account-email-error")
    assert worker.me()["Email"] == address

    page.goto(server.url + "/account")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove email address").click()
    assert page.get_by_text(re.compile("Your email address was removed")).is_visible()
    assert page.get_by_label("Your email address").input_value() == ""
    assert worker.me().get("Email") is None
    assert page.js_errors == []
