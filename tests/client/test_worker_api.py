"""The worker API (/worker-api/v1) and POST /mturk/externalSubmit, over plain HTTP."""

import re
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import HTML_QUESTION, WORKER_PASSWORD, Worker, hit_type_params, ok, unique, worker_error

ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"


def answers_of(requester, assignment_id) -> dict:
    xml = requester.client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    root = ET.fromstring(xml)
    out = {}
    for a in root.findall(f"{{{ANSWERS_NS}}}Answer"):
        out[a.find(f"{{{ANSWERS_NS}}}QuestionIdentifier").text] = a.find(f"{{{ANSWERS_NS}}}FreeText").text or ""
    return out


# ----- accounts and sessions -----


def test_sign_up_is_open_and_signs_in(server):
    name = unique("signup")
    r = requests.post(server.worker_url + "/workers",
                      json={"Username": name, "Password": "s3cret-pass", "Country": "DE", "Subdivision": "BE"},
                      timeout=30)
    body = ok(r, 201)
    assert re.fullmatch(r"A[A-Z0-9]{12,14}", body["WorkerId"]), body
    w = Worker(server, name, "s3cret-pass", body["WorkerId"])
    me = w.me()
    assert me["WorkerId"] == body["WorkerId"]
    assert me["Username"] == name
    assert me["Country"] == "DE"
    assert me["Subdivision"] == "BE"
    assert me["Earnings"] == {"Pending": "0.00", "Approved": "0.00", "Bonuses": "0.00", "Available": "0.00"}
    assert me["AssignmentCounts"] == {"Accepted": 0, "Submitted": 0, "Approved": 0, "Rejected": 0,
                                      "Returned": 0, "Abandoned": 0}


def test_sign_up_errors(server):
    name = unique("dup")
    ok(requests.post(server.worker_url + "/workers",
                     json={"Username": name, "Password": "password1", "Country": "US"}, timeout=30), 201)
    worker_error(requests.post(server.worker_url + "/workers",
                               json={"Username": name, "Password": "password2", "Country": "US"}, timeout=30),
                 409, "Conflict", name)
    for bad, what in (
        ({"Username": "x", "Password": "password1", "Country": "US"}, "Username"),
        ({"Username": unique("u"), "Password": "short", "Country": "US"}, "Password"),
        ({"Username": unique("u"), "Password": "password1", "Country": "usa"}, "Country"),
        ({"Username": unique("u"), "Password": "password1", "Country": "US", "Subdivision": "TOOLONG"}, "Subdivision"),
    ):
        worker_error(requests.post(server.worker_url + "/workers", json=bad, timeout=30), 422, "InvalidParameter", what)
    worker_error(requests.post(server.worker_url + "/workers", data="not json",
                               headers={"Content-Type": "application/json"}, timeout=30), 422, "InvalidParameter")


def test_sign_in_errors(server, worker):
    worker_error(requests.post(server.worker_url + "/sessions",
                               json={"Username": worker.username, "Password": "wrong password"}, timeout=30),
                 401, "Unauthenticated")
    worker_error(requests.post(server.worker_url + "/sessions",
                               json={"Username": unique("nobody"), "Password": WORKER_PASSWORD}, timeout=30),
                 401, "Unauthenticated")


def test_session_expiration_and_revocation(server, worker):
    body = worker.sign_in()
    assert body["Expiration"] == pytest.approx(server.now() + 7 * 86400, abs=2)
    other_session = worker.token
    worker.sign_in()
    assert worker.token != other_session
    assert worker.me()["WorkerId"] == worker.worker_id
    r = worker.call("DELETE", "/sessions/current")
    assert r.status_code == 204
    worker_error(worker.call("GET", "/me"), 401, "Unauthenticated")
    worker_error(worker.call("DELETE", "/sessions/current"), 401, "Unauthenticated")
    # The other session is still good.
    r = requests.get(server.worker_url + "/me", headers={"Authorization": f"Bearer {other_session}"}, timeout=30)
    assert ok(r)["WorkerId"] == worker.worker_id


def test_calls_need_a_token(server):
    for method, path in (("GET", "/me"), ("GET", "/hit-groups"), ("GET", "/assignments"),
                         ("POST", "/hits/X/accept"), ("POST", "/assignments/X/submit")):
        r = requests.request(method, server.worker_url + path, timeout=30)
        worker_error(r, 401, "Unauthenticated", "Bearer")
        r = requests.request(method, server.worker_url + path, headers={"Authorization": "Bearer nope"}, timeout=30)
        worker_error(r, 401, "Unauthenticated")


# ----- finding work -----


def test_hit_groups_listing(server, requester):
    c = requester.client
    tag = unique("zq")
    cheap = c.create_hit_type(**hit_type_params(Title=f"{tag} cheap task", Reward="0.05"))["HITTypeId"]
    rich = c.create_hit_type(**hit_type_params(Title=f"{tag} rich task", Reward="2.00",
                                               AssignmentDurationInSeconds=1200, Keywords="gold"))["HITTypeId"]
    for _ in range(3):
        c.create_hit_with_hit_type(HITTypeId=cheap, LifetimeInSeconds=3600, Question=HTML_QUESTION, MaxAssignments=2)
    server.advance(1)  # the test clock stands still: make the rich group the newer one
    rich_hit = c.create_hit_with_hit_type(HITTypeId=rich, LifetimeInSeconds=7200, Question=HTML_QUESTION)["HIT"]
    w = server.create_worker()

    groups = w.groups(Query=tag)["HITGroups"]
    assert [g["Title"] for g in groups] == [f"{tag} rich task", f"{tag} cheap task"]  # newest first
    g_rich, g_cheap = groups
    assert g_rich["HITGroupId"] == rich_hit["HITGroupId"]
    assert g_rich["HITTypeId"] == rich
    assert g_rich["Reward"] == "2.00"
    assert g_rich["Keywords"] == "gold"
    assert g_rich["AssignmentDurationInSeconds"] == 1200
    assert g_rich["HITsAvailable"] == 1 and g_rich["AssignmentsAvailable"] == 1
    assert g_rich["Expiration"] == pytest.approx(server.now() + 7200, abs=0.01)
    assert g_rich["RequesterId"] and g_rich["RequesterName"] == "default"
    assert g_cheap["HITsAvailable"] == 3 and g_cheap["AssignmentsAvailable"] == 6

    assert [g["Title"] for g in w.groups(Query=tag, MinReward="1.00")["HITGroups"]] == [f"{tag} rich task"]
    assert [g["Title"] for g in w.groups(Query=tag, SortBy="Title")["HITGroups"]] == \
        [f"{tag} cheap task", f"{tag} rich task"]
    assert [g["Title"] for g in w.groups(Query=tag, SortBy="RewardDesc")["HITGroups"]][0] == f"{tag} rich task"
    assert [g["Title"] for g in w.groups(Query=tag, SortBy="MostAvailable")["HITGroups"]][0] == f"{tag} cheap task"
    assert [g["Title"] for g in w.groups(Query="GOLD")["HITGroups"]] == [f"{tag} rich task"]  # keywords, any case

    page1 = w.groups(Query=tag, MaxResults=1)
    assert len(page1["HITGroups"]) == 1 and page1["NextToken"]
    page2 = w.groups(Query=tag, MaxResults=1, NextToken=page1["NextToken"])
    assert [g["Title"] for g in page1["HITGroups"] + page2["HITGroups"]] == [f"{tag} rich task", f"{tag} cheap task"]
    assert not page2.get("NextToken")

    # Taking the last slot of the rich group hides it.
    w.accept_group(rich_hit["HITGroupId"])
    assert [g["Title"] for g in w.groups(Query=tag)["HITGroups"]] == [f"{tag} cheap task"]

    worker_error(w.call("GET", "/hit-groups", params={"SortBy": "Random"}), 422, "InvalidParameter", "Random")
    worker_error(w.call("GET", "/hit-groups", params={"MinReward": "lots"}), 422, "InvalidParameter", "MinReward")
    worker_error(w.call("GET", "/hit-groups", params={"NextToken": "bogus"}), 422, "InvalidParameter", "NextToken")
    worker_error(w.call("GET", "/hit-groups", params={"MaxResults": "0"}), 422, "InvalidParameter", "MaxResults")


def test_expired_hits_are_not_listed(server, requester):
    tag = unique("zexp")
    hit = requester.create_hit(Title=f"{tag} soon gone")["HITId"]
    w = server.create_worker()
    assert len(w.groups(Query=tag)["HITGroups"]) == 1
    requester.client.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    assert w.groups(Query=tag)["HITGroups"] == []


def test_preview_hit(server, requester):
    hit = requester.create_hit(Title=unique("preview "), Reward="0.12", MaxAssignments=4,
                               AssignmentDurationInSeconds=240)
    w = server.create_worker()
    p = w.preview(hit["HITId"])
    assert p["HITId"] == hit["HITId"]
    assert p["HITGroupId"] == hit["HITGroupId"]
    assert p["Title"] == hit["Title"]
    assert p["Description"] == hit["Description"]
    assert p["Reward"] == "0.12"
    assert p["AssignmentDurationInSeconds"] == 240
    assert p["AssignmentsAvailable"] == 4
    assert p["Question"] == HTML_QUESTION
    worker_error(w.call("GET", "/hits/3NOSUCHHIT00000000000000000000"), 404, "NotFound")


# ----- the worker's own records -----


def test_worker_assignments_listing_and_earnings(server, requester):
    c = requester.client
    w = server.create_worker()
    h_ok = requester.create_hit(Reward="1.10", AutoApprovalDelayInSeconds=86400)["HITId"]
    h_rej = requester.create_hit(Reward="0.90", AutoApprovalDelayInSeconds=86400)["HITId"]
    h_wait = requester.create_hit(Reward="0.40", AutoApprovalDelayInSeconds=86400)["HITId"]
    h_held = requester.create_hit(Reward="0.05")["HITId"]
    h_ret = requester.create_hit(Reward="0.07")["HITId"]
    a_ok = w.work(h_ok)
    a_rej = w.work(h_rej)
    a_wait = w.work(h_wait)
    a_held = w.accept(h_held)["AssignmentId"]
    a_ret = w.accept(h_ret)["AssignmentId"]
    w.return_(a_ret)
    c.approve_assignment(AssignmentId=a_ok, RequesterFeedback="Thanks!")
    c.reject_assignment(AssignmentId=a_rej, RequesterFeedback="Did not follow the instructions")
    c.send_bonus(WorkerId=w.worker_id, AssignmentId=a_ok, BonusAmount="0.50", Reason="Extra")

    me = w.me()
    assert me["Earnings"] == {"Pending": "0.40", "Approved": "1.10", "Bonuses": "0.50", "Available": "1.60"}
    assert me["AssignmentCounts"] == {"Accepted": 1, "Submitted": 1, "Approved": 1, "Rejected": 1,
                                      "Returned": 1, "Abandoned": 0}

    everything = w.assignments()["Assignments"]
    assert [a["AssignmentId"] for a in everything] == [a_ret, a_held, a_wait, a_rej, a_ok]  # newest first
    by_id = {a["AssignmentId"]: a for a in everything}
    assert by_id[a_ok]["AssignmentStatus"] == "Approved"
    assert by_id[a_ok]["RequesterFeedback"] == "Thanks!"
    assert by_id[a_ok]["Reward"] == "1.10"
    assert by_id[a_ok]["HITId"] == h_ok
    assert by_id[a_ok]["ApprovalTime"] is not None
    assert by_id[a_rej]["RequesterFeedback"] == "Did not follow the instructions"
    assert by_id[a_rej]["RejectionTime"] is not None
    assert by_id[a_wait]["AutoApprovalTime"] == pytest.approx(by_id[a_wait]["SubmitTime"] + 86400, abs=0.01)
    assert by_id[a_held]["SubmitTime"] is None
    for status, expected in (("Approved", [a_ok]), ("Rejected", [a_rej]), ("Submitted", [a_wait]),
                             ("Accepted", [a_held]), ("Returned", [a_ret]), ("Abandoned", [])):
        assert [a["AssignmentId"] for a in w.assignments(Status=status)["Assignments"]] == expected, status
    p1 = w.assignments(MaxResults=2)
    assert len(p1["Assignments"]) == 2 and p1["NextToken"]
    p2 = w.assignments(MaxResults=2, NextToken=p1["NextToken"])
    p3 = w.assignments(MaxResults=2, NextToken=p2["NextToken"])
    assert [a["AssignmentId"] for a in p1["Assignments"] + p2["Assignments"] + p3["Assignments"]] == \
        [a_ret, a_held, a_wait, a_rej, a_ok]
    assert not p3.get("NextToken")
    worker_error(w.call("GET", "/assignments", params={"Status": "Lost"}), 422, "InvalidParameter", "Lost")
    # Another worker sees none of it.
    assert server.create_worker().assignments()["Assignments"] == []


# ----- externalSubmit -----


def external_submit(server, fields, token=None, cookie=None, html=False, query=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = f"openturk_session={cookie}"
    headers["Accept"] = "text/html,application/xhtml+xml" if html else "application/json"
    return requests.post(server.url + "/mturk/externalSubmit", data=fields, headers=headers, params=query, timeout=30)


def test_external_submit_from_a_program(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.accept(hit)["AssignmentId"]
    r = external_submit(server, [("assignmentId", asg), ("hitId", hit), ("workerId", w.worker_id),
                                 ("turkSubmitTo", "https://www.mturk.com"), ("answer", "a cat"),
                                 ("tags", "one"), ("tags", "two")], token=w.token)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    # The same fields as the worker API's submit, SubmitTime included.
    assert set(body) == {"AssignmentId", "AssignmentStatus", "SubmitTime"}, body
    assert (body["AssignmentId"], body["AssignmentStatus"]) == (asg, "Submitted")
    submitted = requester.client.get_assignment(AssignmentId=asg)["Assignment"]["SubmitTime"]
    assert abs(body["SubmitTime"] - submitted.timestamp()) < 1, (body, submitted)
    answers = answers_of(requester, asg)
    assert answers == {"answer": "a cat", "tags": "one|two"}  # reserved names are not answers
    # Submitting again is refused.
    r = external_submit(server, {"assignmentId": asg, "answer": "again"}, token=w.token)
    assert r.status_code == 409
    assert r.json()["Error"]["Code"] == "InvalidState"


def test_external_submit_from_a_browser(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.accept(hit)["AssignmentId"]
    r = external_submit(server, {"assignmentId": asg, "answer": "<b>bold</b>"}, cookie=w.token, html=True)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower() and "submitted" in r.text.lower()
    assert asg in r.text
    assert answers_of(requester, asg) == {"answer": "<b>bold</b>"}
    # A browser gets an HTML page for a failure too.
    r = external_submit(server, {"assignmentId": asg, "answer": "x"}, cookie=w.token, html=True)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("text/html")
    assert "not submitted" in r.text.lower()


def test_external_submit_fields_from_the_query_string(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.accept(hit)["AssignmentId"]
    r = external_submit(server, {"answer": "from body"}, token=w.token, query={"assignmentId": asg})
    assert r.status_code == 200, r.text
    assert answers_of(requester, asg) == {"answer": "from body"}


def test_external_submit_preview_id_refused(server, worker):
    r = external_submit(server, {"assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE", "answer": "x"}, token=worker.token)
    worker_error(r, 409, "PreviewOnly", "ASSIGNMENT_ID_NOT_AVAILABLE")
    r = external_submit(server, {"assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE"}, cookie=worker.token, html=True)
    assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
    assert "accept" in r.text.lower()


def test_external_submit_another_workers_assignment_refused(server, requester):
    hit = requester.create_hit()["HITId"]
    a, b = server.create_worker(), server.create_worker()
    asg = a.accept(hit)["AssignmentId"]
    worker_error(external_submit(server, {"assignmentId": asg, "answer": "mine now"}, token=b.token),
                 403, "Forbidden", asg)
    assert a.assignments(Status="Accepted")["Assignments"][0]["AssignmentId"] == asg


def test_external_submit_takes_the_assignment_id_as_the_right_to_submit(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.accept(hit)["AssignmentId"]
    # A program's wrong token is refused before anything else.
    worker_error(external_submit(server, {"assignmentId": asg}, token="not-a-token"), 401, "Unauthenticated")
    # An unknown assignment ID submits nothing.
    worker_error(external_submit(server, {"assignmentId": "3NOSUCHASSIGNMENT0000000000000"}), 404, "NotFound")
    worker_error(external_submit(server, {"answer": "x"}, token=w.token), 422, "InvalidParameter", "assignmentId")
    r = requests.post(server.url + "/mturk/externalSubmit", data='{"assignmentId": "x"}',
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {w.token}"}, timeout=30)
    assert r.status_code == 415
    assert r.json()["Error"]["Code"] == "UnsupportedMediaType"
    # A revoked token no longer submits.
    w.call("DELETE", "/sessions/current")
    worker_error(external_submit(server, {"assignmentId": asg}, token=w.token), 401, "Unauthenticated")
    # Without a token (a task frame, which the browser sends no site cookie), the assignment ID
    # the task was given is enough, as on MTurk.
    r = external_submit(server, {"assignmentId": asg, "answer": "from the frame"})
    assert r.status_code == 200, r.text
    assert answers_of(requester, asg) == {"answer": "from the frame"}


def test_admin_created_worker(worker):
    me = worker.me()
    assert me["WorkerId"] == worker.worker_id
    assert me["Username"] == worker.username
    assert (me["Country"], me["Subdivision"]) == ("GB", "ENG")


def test_admin_worker_create_errors(server, worker):
    p = server.cli("worker", "create", worker.username, "--password", "another password", check=False)
    assert p.returncode != 0 and worker.username in p.stderr
    p = server.cli("worker", "create", unique("w"), "--password", "short", check=False)
    assert p.returncode != 0 and "Password" in p.stderr


def test_external_submit_html_pages_escape_what_they_echo(server, worker):
    evil = '<script>alert("x")</script>'
    r = external_submit(server, {"assignmentId": evil}, cookie=worker.token, html=True)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<script>" not in r.text
    assert "&lt;script&gt;" in r.text


def test_external_submit_by_get(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.accept(hit)["AssignmentId"]
    r = requests.get(server.url + "/mturk/externalSubmit", params={"assignmentId": asg, "answer": "via get"},
                     headers={**w.auth, "Accept": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    assert answers_of(requester, asg) == {"answer": "via get"}


def test_sign_up_can_be_closed():
    from conftest import Server

    s = Server(tag="closed", config="[workers]\nopen_signup = false\n")
    try:
        r = requests.post(s.worker_url + "/workers",
                          json={"Username": unique("u"), "Password": "password1", "Country": "US"}, timeout=30)
        worker_error(r, 403, "Forbidden", "closed")
        # The operator can still make workers.
        w = s.create_worker(via_cli=True)
        assert w.me()["WorkerId"] == w.worker_id
    finally:
        s.stop()


def test_requester_annotation_is_never_shown_to_workers(server, requester):
    secret = unique("internal-note-")
    title = unique("annotated ")
    hit = requester.create_hit(Title=title, RequesterAnnotation=secret)["HITId"]
    w = server.create_worker()
    texts = [w.call("GET", f"/hits/{hit}").text, w.call("GET", "/hit-groups", params={"Query": title}).text]
    a = w.accept(hit)
    texts.append(str(a))
    w.submit(a["AssignmentId"])
    texts.append(w.call("GET", "/assignments").text)
    for t in texts:
        assert secret not in t
