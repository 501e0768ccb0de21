"""End to end: a HIT whose HTMLQuestion is the spec's Crowd HTML Elements example (the sentiment
classifier, loading https://assets.crowd.aws/crowd-html-elements.js), created with boto3, worked
in the browser on OpenTurk's work page (the task runs in a sandboxed frame on the task origin,
with the loader rewritten to OpenTurk's own script), and its answer read back with boto3."""

from __future__ import annotations

import re

from conftest import sign_in_by_keyboard, wait_for
from test_crowd_elements import SENTIMENT_EXAMPLE

# The spec's Crowd HTML Elements example (the sentiment classifier), as an HTMLQuestion.
HTML_QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">'
    f"<HTMLContent><![CDATA[{SENTIMENT_EXAMPLE}]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
)


def test_spec_crowd_example_on_the_work_page(page, server):
    hit = server.default.create_hit(Title="Sentiment (crowd elements)", Question=HTML_QUESTION)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Accept")).click()
    assert "/work/" in page.url, page.url

    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_load_state()
    assert "https://assets.crowd.aws/" not in frame.content(), "the loader points at OpenTurk's own script"
    task = page.frame_locator("iframe")
    task.get_by_role("radio", name="Negative").check()
    task.get_by_role("button", name="Submit").click()

    got = wait_for(lambda: server.default.client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"])
    assert len(got) == 1, got
    a = got[0]
    assert a["WorkerId"] == worker.worker_id
    assert a["AssignmentStatus"] == "Submitted"
    answer = a["Answer"]
    assert "<QuestionIdentifier>taskAnswers</QuestionIdentifier>" in answer, answer
    assert '<FreeText>[{"sentiment":{"label":"Negative"}}]</FreeText>' in answer.replace("&quot;", '"'), answer
    assert page.js_errors == []
