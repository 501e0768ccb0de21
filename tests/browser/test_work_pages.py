"""Working HITs in the browser: preview, accept, the task frame on the task origin, submit,
Return, auto-accept, a deadline passing while the page is open, a QuestionForm's server-side
checks, an ExternalQuestion served by the test, and a hostile HTMLQuestion that tries to act
as the worker. Every page passes axe and is kept as a screenshot at 1280 and 360 px."""

from __future__ import annotations

import http.server
import json
import re
import threading

from conftest import WORKER_PASSWORD, assert_accessible, screenshots, sign_in_by_keyboard, tab_to, wait_for

HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"


def html_question(body: str, height: int = 400) -> str:
    return (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[<!DOCTYPE html><html lang="en"><head>'
            f'<title>Task</title></head><body>{body}</body></html>]]></HTMLContent>'
            f"<FrameHeight>{height}</FrameHeight></HTMLQuestion>")


# Fills assignmentId from its URL, as psiTurk-style pages do, and posts to MTurk's own URL.
FORM_TASK = html_question("""
<form id="f" method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" id="assignmentId">
  <label for="answer">What is in the picture?</label> <input id="answer" name="answer">
  <button type="submit" id="send">Send</button>
</form>
<script>
  var p = new URLSearchParams(location.search);
  document.getElementById("assignmentId").value = p.get("assignmentId");
  if (p.get("assignmentId") === "ASSIGNMENT_ID_NOT_AVAILABLE") document.getElementById("send").disabled = true;
</script>""")


def accept_from_preview(page) -> str:
    with page.expect_navigation():
        page.get_by_role("button", name="Accept & Work").click()
    assert "/work/" in page.url, page.url
    return page.url.split("/work/")[1].split("?")[0]


def answers(server, hit_id: str) -> list:
    return server.default.client.list_assignments_for_hit(HITId=hit_id)["Assignments"]


def test_preview_accept_work_and_submit_through_the_frame(page, server):
    hit = server.default.create_hit(Title="Name the picture", Question=FORM_TASK, MaxAssignments=2)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    # Search: a word of nothing finds nothing, the title finds the group.
    page.get_by_label("Search").fill("zebra-crossing-nothing")
    with page.expect_navigation():
        page.get_by_label("Search").press("Enter")
    assert page.get_by_text("No HITs match your search").is_visible()
    page.get_by_label("Search").fill("name the picture")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("Preview.*Name the picture")).first.click()
    page.wait_for_url(re.compile("/preview"))
    frame = page.frame_locator("iframe.task")
    assert frame.locator("#send").is_disabled(), "the task sees it is a preview"
    assert_accessible(page)
    screenshots(page, "preview")

    aid = accept_from_preview(page)
    assert page.get_by_role("timer").inner_text().endswith("left")
    assert_accessible(page)
    screenshots(page, "work")
    frame.locator("#answer").fill("a cat")
    frame.locator("#send").click()
    # The work page learns from the server, not the frame, that the work was submitted.
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('submitted')", timeout=15_000)
    got = answers(server, hit["HITId"])
    assert [a["AssignmentId"] for a in got] == [aid]
    assert "<FreeText>a cat</FreeText>" in got[0]["Answer"]
    assert page.js_errors == []


def test_return_and_auto_accept_until_the_group_is_empty(page, server):
    title = "Auto-accept group"
    hits = [server.default.create_hit(Title=title, Question=FORM_TASK) for _ in range(3)]
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.get_by_role("button", name=re.compile(f"Accept & Work.*{title}")).click()
    page.wait_for_url(re.compile("/work/"))
    first = page.url.split("/work/")[1]
    # Return the first: it leaves the queue.
    page.get_by_role("button", name="Return this HIT").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    page.goto(server.url + "/queue")
    assert page.get_by_text("You have no HITs in progress").is_visible()
    assert_accessible(page)
    screenshots(page, "queue-empty")

    page.goto(server.url + "/")
    page.get_by_role("button", name=re.compile(f"Accept & Work.*{title}")).click()
    page.wait_for_url(re.compile("/work/"))
    page.get_by_label("Auto-accept the next HIT in this group").check()
    done = []
    for _ in range(3):
        aid = page.url.split("/work/")[1].split("?")[0]
        done.append(aid)
        frame = page.frame_locator("iframe.task")
        frame.locator("#answer").fill("x")
        frame.locator("#send").click()
        page.wait_for_function(
            "(aid) => !location.pathname.endsWith(aid) || document.querySelector('h1').textContent.includes('No HITs left')",
            arg=aid, timeout=15_000)
        if "No HITs left" in page.locator("h1").inner_text():
            break
        assert "auto=1" in page.url, page.url
    assert page.locator("h1").inner_text() == "No HITs left in this group"
    assert len(set(done)) == 3, done
    submitted = [a for h in hits for a in answers(server, h["HITId"])]
    assert len(submitted) == 3


def test_a_deadline_passing_while_the_work_page_is_open(page, server):
    hit = server.default.create_hit(Title="Short deadline", Question=FORM_TASK, AssignmentDurationInSeconds=60)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
    accept_from_preview(page)
    server.advance(61)
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('time for this HIT is up')",
                           timeout=15_000)
    assert_accessible(page)
    assert answers(server, hit["HITId"]) == []


QUESTION_FORM = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Overview><Title>A short survey</Title></Overview>
  <Question><QuestionIdentifier>colour</QuestionIdentifier><DisplayName>Colour</DisplayName><IsRequired>true</IsRequired>
    <QuestionContent><Text>Your favourite colour?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
      <Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>
      <Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>
    </Selections></SelectionAnswer></AnswerSpecification></Question>
  <Question><QuestionIdentifier>code</QuestionIdentifier><DisplayName>Code</DisplayName>
    <QuestionContent><Text>Your code</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer><Constraints>
      <AnswerFormatRegex regex="^[A-Z]{2}-[0-9]{3}$" errorText="Enter a code like AB-123."/>
    </Constraints></FreeTextAnswer></AnswerSpecification></Question>
</QuestionForm>"""


def test_a_question_form_fails_a_constraint_then_succeeds(page, server):
    hit = server.default.create_hit(Title="Survey", Question=QUESTION_FORM)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
    assert_accessible(page)
    accept_from_preview(page)
    page.get_by_label("Blue").check()
    page.locator('input[name="code"]').fill("nope")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    assert page.get_by_text("Enter a code like AB-123.").first.is_visible()
    assert page.get_by_label("Blue").is_checked(), "the worker's input is kept"
    assert page.locator('input[name="code"]').input_value() == "nope"
    assert_accessible(page)
    screenshots(page, "question-form-error")
    page.locator('input[name="code"]').fill("AB-123")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    assert "submitted" in page.locator("h1").inner_text()
    answer = answers(server, hit["HITId"])[0]["Answer"]
    assert "<SelectionIdentifier>blue</SelectionIdentifier>" in answer and "<FreeText>AB-123</FreeText>" in answer


class _Pages(http.server.BaseHTTPRequestHandler):
    """The requester's own site for an ExternalQuestion."""

    body = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_an_external_question_at_a_page_the_test_serves(page, server):
    _Pages.body = b"""<!DOCTYPE html><html lang="en"><head><title>Study</title></head><body>
<form id="f" method="post"><input type="hidden" name="assignmentId" id="a">
<label for="q">Answer</label><input id="q" name="q"><button id="go">Go</button></form>
<script>var p = new URLSearchParams(location.search);
document.getElementById('a').value = p.get('assignmentId');
document.getElementById('f').action = p.get('turkSubmitTo') + '/mturk/externalSubmit';</script></body></html>"""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/study?cond=b"
        q = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
             f'2006-07-14/ExternalQuestion.xsd"><ExternalURL>{url.replace("&", "&amp;")}</ExternalURL>'
             "<FrameHeight>300</FrameHeight></ExternalQuestion>")
        hit = server.default.create_hit(Title="External study", Question=q)
        worker = server.create_worker()
        sign_in_by_keyboard(page, server, worker.username)
        page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
        accept_from_preview(page)
        frame = page.frame_locator("iframe.task")
        frame.locator("#q").fill("b-answer")
        frame.locator("#go").click()
        assert wait_for(lambda: answers(server, hit["HITId"]))
        assert "<FreeText>b-answer</FreeText>" in answers(server, hit["HITId"])[0]["Answer"]
    finally:
        httpd.shutdown()


# Everything a hostile requester's page might try, with what happened written into its answer.
HOSTILE = html_question("""
<form id="f" method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" id="assignmentId">
  <input type="hidden" name="report" id="report">
</form>
<script>
(async function () {
  var p = new URLSearchParams(location.search), site = p.get("turkSubmitTo"), r = {};
  document.getElementById("assignmentId").value = p.get("assignmentId");
  try { r.cookie = document.cookie; } catch (e) { r.cookie = "blocked"; }
  try { r.parent = String(window.parent.document.title); } catch (e) { r.parent = "blocked"; }
  try { r.storage = String(localStorage.length); } catch (e) { r.storage = "blocked"; }
  try { window.top.location = "https://example.invalid/phish"; r.top = "tried"; } catch (e) { r.top = "blocked"; }
  try {
    var res = await fetch(site + "/queue", { credentials: "include" });
    r.queue = (await res.text()).includes("Your queue") ? "read" : "not signed in";
  } catch (e) { r.queue = "blocked"; }
  // Act as the worker: accept, return, change the password, sign out (no cookie goes with
  // these cross-site requests, and none carries the worker's CSRF token).
  var form = { "Content-Type": "application/x-www-form-urlencoded" };
  var tries = [
    ["/groups/" + p.get("victim") + "/accept", "csrf=x"],
    ["/hits/" + p.get("victimHit") + "/accept", "csrf=x"],
    ["/work/" + p.get("assignmentId") + "/return", "csrf=x"],
    ["/account/password", "csrf=x&current=correct+horse+battery&new=owned-by-requester&again=owned-by-requester"],
    ["/sign-out", "csrf=x"],
  ];
  r.posts = [];
  for (var i = 0; i < tries.length; i++) {
    try {
      await fetch(site + tries[i][0], { method: "POST", credentials: "include", mode: "no-cors", headers: form, body: tries[i][1] });
      r.posts.push("sent");
    } catch (e) { r.posts.push("blocked"); }
  }
  try {
    var res3 = await fetch(site + "/mturk/externalSubmit", { method: "POST", credentials: "include",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "assignmentId=3XOTHERWORKERSASSIGNMENT00000&answer=stolen" });
    r.other = String(res3.status);
  } catch (e) { r.other = "blocked"; }
  document.getElementById("report").value = JSON.stringify(r);
  document.getElementById("f").submit();
})();
</script>""")


def test_a_hostile_html_question_cannot_act_as_the_worker(page, server):
    victim = server.default.create_hit(Title="Victim group", Question=FORM_TASK)
    # The hostile page learns the victim's IDs from its own URL, as if the requester knew them.
    hostile = HOSTILE.replace('p.get("victim")', f'"{victim["HITGroupId"]}"').replace(
        'p.get("victimHit")', f'"{victim["HITId"]}"')
    hit = server.default.create_hit(Title="Hostile", Question=hostile)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
    work_url = None
    with page.expect_navigation():
        page.get_by_role("button", name="Accept & Work").click()
    work_url = page.url
    got = wait_for(lambda: answers(server, hit["HITId"]))
    assert got, "the hostile page submitted its own assignment"
    report = re.search(r"<QuestionIdentifier>report</QuestionIdentifier><FreeText>(.*?)</FreeText>",
                       got[0]["Answer"]).group(1).replace("&quot;", '"')
    r = json.loads(report)
    assert r["cookie"] in ("", "blocked"), r          # no cookie of the site (nor its own)
    assert r["parent"] == "blocked", r                 # cannot read the work page
    assert r["storage"] == "blocked", r                # opaque origin: no storage
    assert r["queue"] in ("not signed in", "blocked"), r  # the site's cookie is not sent
    assert r["other"] in ("404", "blocked"), r         # another assignment cannot be submitted
    # The top page was not navigated away, the worker accepted nothing else and is still signed
    # in (the sign-out the page posted carried no cookie and no token).
    assert page.url.startswith(server.url), page.url
    assert server.default.client.get_hit(HITId=victim["HITId"])["HIT"]["NumberOfAssignmentsAvailable"] == 1
    page.goto(server.url + "/queue")
    assert page.get_by_role("heading", name="Your queue").is_visible()
    assert work_url and "/work/" in work_url
    # The hostile page's own assignment was submitted by the page, not returned through the site.
    assert got[0]["AssignmentStatus"] == "Submitted"
    # The password is unchanged: signing in with it still works.
    assert worker.sign_in()["WorkerId"] == worker.worker_id


def test_the_dashboard_after_an_approval_and_a_bonus(page, server):
    c = server.default.client
    worker = server.create_worker()
    hits = [server.default.create_hit(Title="Paid work", Reward="0.50") for _ in range(2)]
    done = [worker.work(h["HITId"]) for h in hits]
    c.approve_assignment(AssignmentId=done[0])
    c.send_bonus(WorkerId=worker.worker_id, AssignmentId=done[0], BonusAmount="0.25", Reason="Great <work>",
                 UniqueRequestToken=f"b-{done[0]}")
    sign_in_by_keyboard(page, server, worker.username)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile("/dashboard"))
    figures = page.locator("dl.figures").inner_text()
    assert "$0.50" in figures and "$0.25" in figures and "100.0%" in figures, figures
    assert page.get_by_text("Great <work>").is_visible(), "the bonus's reason, escaped"
    assert page.get_by_role("img", name=re.compile("Daily earnings")).is_visible()
    assert_accessible(page)
    screenshots(page, "dashboard")
    page.get_by_role("link", name="Status").click()
    page.wait_for_url(re.compile("/status"))
    assert_accessible(page)
    screenshots(page, "status")


def test_the_password_and_requester_pages(page, server):
    hit = server.default.create_hit(Title="From the default requester")
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.get_by_role("link", name=re.compile(r"^default$")).first.click()
    page.wait_for_url(re.compile(r"requester="))
    assert page.get_by_role("heading", name="HITs from default").is_visible()
    assert page.get_by_text("From the default requester").first.is_visible()
    assert_accessible(page)
    screenshots(page, "requester")
    page.get_by_role("link", name=re.compile("your account")).click()
    page.wait_for_url(re.compile("/account$"))
    page.get_by_role("link", name="Change your password").click()
    page.wait_for_url(re.compile("/account/password"))
    page.get_by_label("Current password").fill(WORKER_PASSWORD)
    page.get_by_label(re.compile("^New password \\(")).fill("another-password-1")
    page.get_by_label("New password again").fill("another-password-1")
    assert_accessible(page)
    screenshots(page, "password")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    assert page.locator("h1").inner_text() == "Your password was changed"
    assert hit["HITId"]


def test_a_frame_height_of_zero_fits_the_content(page, server):
    tall = html_question('<div style="height: 1500px">A long task</div><p id="end">The end</p>', height=0)
    hit = server.default.create_hit(Title="A long task", Question=tall)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
    frame = page.locator("iframe.task")
    page.wait_for_function("() => document.querySelector('iframe.task').getBoundingClientRect().height >= 1500",
                           timeout=15_000)
    assert frame.bounding_box()["height"] < 3000


def test_accept_and_return_by_keyboard(page, server):
    server.default.create_hit(Title="Keyboard task", Question=FORM_TASK)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    tab_to(page, "a[href*='/preview']", max_tabs=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/preview" in page.url
    tab_to(page, "button[type=submit]:not(.link)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/work/" in page.url
    tab_to(page, "form[action$='/return'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.rstrip("/") == server.url, page.url
