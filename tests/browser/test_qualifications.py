"""Qualifications in the browser: a worker meets a HIT it is not qualified for, follows the
link to the qualification, takes its test (graded at once by an AnswerKey), and can then accept
the HIT; requests a type without a test that the requester accepts (boto3), then revokes; and
changes the Adult setting. Every new page passes axe and is kept as a screenshot at 1280 and
360 px."""

from __future__ import annotations

import re

from conftest import assert_accessible, screenshots, sign_in_by_keyboard, unique

QF_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
KEY_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"


def choice(qid: str, name: str, text: str, options: list[tuple[str, str]]) -> str:
    sels = "".join(f"<Selection><SelectionIdentifier>{i}</SelectionIdentifier><Text>{t}</Text></Selection>"
                   for i, t in options)
    return (f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier><DisplayName>{name}</DisplayName>"
            f"<IsRequired>true</IsRequired><QuestionContent><Text>{text}</Text></QuestionContent>"
            f"<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion>"
            f"<Selections>{sels}</Selections></SelectionAnswer></AnswerSpecification></Question>")


TEST = (f'<QuestionForm xmlns="{QF_NS}"><Overview><Text>Two questions; you need both right.</Text></Overview>'
        + choice("sum", "Sum", "What is 2 + 2?", [("four", "4"), ("five", "5")])
        + choice("capital", "Capital", "What is the capital of France?", [("paris", "Paris"), ("lyon", "Lyon")])
        + "</QuestionForm>")

# 50 points a right answer; PercentageMapping of a maximum of 100.
ANSWER_KEY = (f'<AnswerKey xmlns="{KEY_NS}">'
              '<Question><QuestionIdentifier>sum</QuestionIdentifier><AnswerOption><SelectionIdentifier>four'
              '</SelectionIdentifier><AnswerScore>50</AnswerScore></AnswerOption></Question>'
              '<Question><QuestionIdentifier>capital</QuestionIdentifier><AnswerOption><SelectionIdentifier>paris'
              '</SelectionIdentifier><AnswerScore>50</AnswerScore></AnswerOption></Question>'
              '<QualificationValueMapping><PercentageMapping><MaximumSummedScore>100</MaximumSummedScore>'
              '</PercentageMapping></QualificationValueMapping></AnswerKey>')


def test_a_test_graded_at_once_opens_a_hit(page, server):
    c = server.default.client
    name = unique("Arithmetic ")
    qt = c.create_qualification_type(Name=name, Description="Simple sums and capitals",
                                     QualificationTypeStatus="Active", Test=TEST, AnswerKey=ANSWER_KEY,
                                     TestDurationInSeconds=900)["QualificationType"]
    type_id = qt["QualificationTypeId"]
    title = unique("Sums for qualified workers ")
    # Two HITs of one group: one to accept, one left to show that a revocation closes the group.
    for _ in range(2):
        server.default.create_hit(Title=title, QualificationRequirements=[
            {"QualificationTypeId": type_id, "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [100]}])
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)

    # The list says the worker does not meet the requirement; the preview says why and links.
    page.get_by_label("Search").fill(title)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.get_by_text("Qualification required: you do not meet it yet").is_visible()
    page.get_by_role("link", name=re.compile("Preview: why you cannot accept yet")).click()
    page.wait_for_url(re.compile("/preview"))
    assert page.get_by_role("button", name="Accept & Work").count() == 0
    page.get_by_role("link", name="Request it or take its test").click()
    page.wait_for_url(re.compile(f"/qualifications/{type_id}$"))

    # The type's page: what it is, the test's time, the retry rule, Take the test.
    assert page.get_by_role("heading", name=name).is_visible()
    assert page.get_by_text("15 minutes to answer it").is_visible()
    assert page.get_by_text("only once").is_visible()
    assert_accessible(page)
    screenshots(page, "qualification-type")
    with page.expect_navigation():
        page.get_by_role("button", name="Take the test").click()
    assert page.url.endswith(f"/qualifications/{type_id}/test")

    # The test: the QuestionForm natively, with a countdown.
    assert re.search(r"1[45]:\d\d left", page.get_by_role("timer").inner_text())
    assert_accessible(page)
    screenshots(page, "qualification-test")
    # One answer missing: the check fails, the error is next to the question, the input is kept.
    page.get_by_label("4", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the test").click()
    assert page.get_by_role("alert").first.is_visible()
    assert page.get_by_label("4", exact=True).is_checked()
    assert_accessible(page)
    screenshots(page, "qualification-test-error")
    page.get_by_label("Paris").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the test").click()
    assert page.get_by_role("heading", name="Your test was graded").is_visible()
    assert page.get_by_text("Your score: 100").is_visible()
    assert_accessible(page)
    screenshots(page, "qualification-graded")
    score = c.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)["Qualification"]
    assert score["IntegerValue"] == 100

    # Back to the HIT: it can be accepted now.
    page.get_by_role("link", name="Find HITs").click()
    page.get_by_label("Search").fill(title)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.get_by_text("Qualification required: you have it").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Accept & Work")).first.click()
    assert "/work/" in page.url, page.url
    work_url = page.url

    # Revoked: the HIT accepted stays the worker's, but the group's next HIT is closed again.
    c.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=worker.worker_id,
                                             Reason="Scores are being recomputed")
    page.goto(server.url + "/")
    page.get_by_label("Search").fill(title)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.get_by_text("Qualification required: you do not meet it yet").is_visible()
    assert page.get_by_role("button", name=re.compile("Accept & Work")).count() == 0
    page.goto(work_url)
    assert page.get_by_role("button", name="Return this HIT").is_visible()
    assert page.js_errors == []


def test_a_request_the_requester_accepts_then_revokes(page, server):
    c = server.default.client
    name = unique("Careful reader ")
    type_id = c.create_qualification_type(Name=name, Description="Workers who read instructions",
                                          QualificationTypeStatus="Active",
                                          RetryDelayInSeconds=3600)["QualificationType"]["QualificationTypeId"]
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)

    # From the navigation to the Qualifications page, and a search there.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Qualifications").click()
    page.wait_for_url(re.compile("/qualifications$"))
    assert page.get_by_role("heading", name="Your qualifications").is_visible()
    assert page.get_by_text("Worker_PercentAssignmentsApproved").is_visible()
    assert_accessible(page)
    screenshots(page, "qualifications")
    page.get_by_label("Search qualifications").fill(name.upper())
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(f"/qualifications/{type_id}$"))
    with page.expect_navigation():
        page.get_by_role("button", name="Request this qualification").click()
    assert page.get_by_text("waiting for the requester to accept or reject it").is_visible()
    assert page.get_by_role("button", name="Request this qualification").count() == 0
    assert_accessible(page)
    screenshots(page, "qualification-requested")

    # The requester accepts it with boto3.
    reqs = c.list_qualification_requests(QualificationTypeId=type_id)["QualificationRequests"]
    assert [r["WorkerId"] for r in reqs] == [worker.worker_id]
    c.accept_qualification_request(QualificationRequestId=reqs[0]["QualificationRequestId"], IntegerValue=7)
    page.reload()
    assert page.get_by_text(re.compile("You have this qualification, with the score 7")).is_visible()

    # Revoked: the Qualifications page says so, with the reason.
    c.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=worker.worker_id,
                                             Reason="Missed the instructions twice")
    page.get_by_role("link", name="Your qualifications").click()
    page.wait_for_url(re.compile("/qualifications$"))
    row = page.get_by_role("row", name=re.compile(re.escape(name))).filter(has_text="Revoked")
    assert "Revoked" in row.inner_text() and "Missed the instructions twice" in row.inner_text()
    assert_accessible(page)
    screenshots(page, "qualifications-revoked")
    assert page.js_errors == []


def test_the_adult_setting(page, server):
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.get_by_role("link", name=re.compile("your account")).click()
    page.wait_for_url(re.compile("/account$"))
    box = page.get_by_label(re.compile("I am over 18"))
    assert not box.is_checked()
    assert_accessible(page)
    screenshots(page, "account")
    box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("Your setting was saved.").is_visible()
    assert page.get_by_label(re.compile("I am over 18")).is_checked()
    assert worker.call("GET", "/qualifications").json()["SystemQualifications"] is not None
    page.goto(server.url + "/qualifications/00000000000000000060")
    assert page.get_by_text("1 (you said you are an adult)").is_visible()
    assert_accessible(page)
    screenshots(page, "qualification-adult")
    # And withdrawn.
    page.goto(server.url + "/account")
    page.get_by_label(re.compile("I am over 18")).uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert not page.get_by_label(re.compile("I am over 18")).is_checked()
    adult = [q for q in worker.call("GET", "/qualifications").json()["SystemQualifications"]
             if q["Name"] == "Worker_Adult"]
    assert adult[0]["IntegerValue"] == 0
    assert page.js_errors == []
