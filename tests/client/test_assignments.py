"""The assignment life cycle, driven by workers through the worker API and reviewed by the
requester through boto3: accept, return, abandon, submit, expiry, auto-approval, approve,
reject, override, bonuses, and the answers' XML."""

import json
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from conftest import (
    HTML_QUESTION,
    check_request_error,
    hit_type_params,
    question_form,
    request_error,
    ts,
    unique,
    worker_error,
)

ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"
NOASG = "3NOSUCHASSIGNMENT0000000000000"


def counts(r, hit_id):
    h = r.get_hit(hit_id)
    return (h["HITStatus"], h["NumberOfAssignmentsAvailable"], h["NumberOfAssignmentsPending"],
            h["NumberOfAssignmentsCompleted"])


def parse_answer(xml: str) -> dict:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{ANSWERS_NS}}}QuestionFormAnswers", root.tag
    out = {}
    for a in root.findall(f"{{{ANSWERS_NS}}}Answer"):
        qid = a.find(f"{{{ANSWERS_NS}}}QuestionIdentifier").text
        free = a.find(f"{{{ANSWERS_NS}}}FreeText")
        if free is not None:
            out[qid] = free.text or ""
        else:
            out[qid] = [s.text for s in a.findall(f"{{{ANSWERS_NS}}}SelectionIdentifier")]
    return out


# ----- accepting -----


def test_accept_by_group_and_by_hit(server, requester):
    c = requester.client
    type_id = c.create_hit_type(**hit_type_params(Title=unique("group "), Reward="0.30",
                                                  AssignmentDurationInSeconds=300))["HITTypeId"]
    h1 = c.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]
    h2 = c.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=3600, Question=HTML_QUESTION,
                                    MaxAssignments=2)["HIT"]
    group = h1["HITGroupId"]
    a, b = server.create_worker(), server.create_worker()
    now = server.now()

    first = a.accept_group(group)
    assert first["HITId"] == h1["HITId"]  # the oldest HIT of the group first
    assert first["HITGroupId"] == group
    assert first["Title"] == h1["Title"]
    assert first["Reward"] == "0.30"
    assert first["Question"] == HTML_QUESTION
    assert first["AcceptTime"] == pytest.approx(now, abs=1)
    assert first["Deadline"] == pytest.approx(first["AcceptTime"] + 300, abs=0.01)
    second = a.accept_group(group)  # one assignment per HIT per worker: the next HIT
    assert second["HITId"] == h2["HITId"]
    assert second["AssignmentId"] != first["AssignmentId"]
    worker_error(a.call("POST", f"/hit-groups/{group}/accept"), 409, "Conflict", group)

    by_hit = b.accept(h2["HITId"])
    assert by_hit["HITId"] == h2["HITId"]
    assert counts(requester, h1["HITId"]) == ("Unassignable", 0, 1, 0)
    assert counts(requester, h2["HITId"]) == ("Unassignable", 0, 2, 0)
    listed = {x["AssignmentId"]: x for x in a.assignments(Status="Accepted")["Assignments"]}
    assert set(listed) == {first["AssignmentId"], second["AssignmentId"]}


def test_accept_unknown_hit_and_group(worker):
    worker_error(worker.call("POST", "/hits/3NOSUCHHIT00000000000000000000/accept"), 404, "NotFound")
    worker_error(worker.call("POST", "/hit-groups/3NOSUCHGROUP000000000000000000/accept"), 404, "NotFound")


def test_one_assignment_per_hit_per_worker(server, requester):
    hit = requester.create_hit(MaxAssignments=3)["HITId"]
    w = server.create_worker()
    a = w.accept(hit)
    worker_error(w.call("POST", f"/hits/{hit}/accept"), 409, "Conflict", hit)
    w.submit(a["AssignmentId"])
    worker_error(w.call("POST", f"/hits/{hit}/accept"), 409, "Conflict", hit)
    group = requester.get_hit(hit)["HITGroupId"]
    worker_error(w.call("POST", f"/hit-groups/{group}/accept"), 409, "Conflict")
    assert counts(requester, hit) == ("Assignable", 2, 0, 0)


def test_one_assignment_per_hit_per_worker_after_review(server, requester):
    hit = requester.create_hit(MaxAssignments=3)["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="wrong")
    worker_error(w.call("POST", f"/hits/{hit}/accept"), 409, "Conflict", hit)


def test_return_frees_the_slot(server, requester):
    hit = requester.create_hit(MaxAssignments=1)["HITId"]
    a, b = server.create_worker(), server.create_worker()
    asg = a.accept(hit)["AssignmentId"]
    assert counts(requester, hit) == ("Unassignable", 0, 1, 0)
    worker_error(b.call("POST", f"/hits/{hit}/accept"), 409, "Conflict", hit)
    # Only the holder can return it.
    worker_error(b.call("POST", f"/assignments/{asg}/return"), 403, "Forbidden", asg)
    r = a.return_(asg)
    assert r == {"AssignmentId": asg, "AssignmentStatus": "Returned"}
    assert counts(requester, hit) == ("Assignable", 1, 0, 0)
    # A returned assignment cannot be submitted or returned again.
    worker_error(a.call("POST", f"/assignments/{asg}/submit", json={"Answers": {"x": "y"}}), 409, "InvalidState", asg)
    worker_error(a.call("POST", f"/assignments/{asg}/return"), 409, "InvalidState")
    b_asg = b.accept(hit)["AssignmentId"]
    assert b_asg != asg
    assert counts(requester, hit) == ("Unassignable", 0, 1, 0)
    assert [x["AssignmentStatus"] for x in a.assignments(Status="Returned")["Assignments"]] == ["Returned"]
    # Returned work is never shown to the requester.
    assert requester.client.list_assignments_for_hit(HITId=hit)["NumResults"] == 0


def test_abandonment_after_the_assignment_duration(server, requester):
    hit = requester.create_hit(MaxAssignments=1, AssignmentDurationInSeconds=60, LifetimeInSeconds=3600)["HITId"]
    w = server.create_worker()
    asg = w.accept(hit)
    assert counts(requester, hit) == ("Unassignable", 0, 1, 0)
    server.advance(30)
    assert counts(requester, hit) == ("Unassignable", 0, 1, 0)
    server.advance(31)
    assert counts(requester, hit) == ("Assignable", 1, 0, 0)
    worker_error(w.call("POST", f"/assignments/{asg['AssignmentId']}/submit", json={"Answers": {"a": "b"}}),
                 409, "InvalidState", asg["AssignmentId"])
    mine = w.assignments(Status="Abandoned")["Assignments"]
    assert [x["AssignmentId"] for x in mine] == [asg["AssignmentId"]]
    assert w.me()["AssignmentCounts"]["Abandoned"] == 1
    assert requester.client.list_assignments_for_hit(HITId=hit)["NumResults"] == 0
    # Another worker can take the slot.
    server.create_worker().accept(hit)


def test_submit_after_hit_expiry_but_before_own_deadline(server, requester):
    hit = requester.create_hit(MaxAssignments=2, LifetimeInSeconds=60, AssignmentDurationInSeconds=600,
                               Title=unique("expiring "))["HITId"]
    w, late = server.create_worker(), server.create_worker()
    asg = w.accept(hit)["AssignmentId"]
    server.advance(120)
    # The slot nobody took still counts as available (as MTurk), though nobody can take it now.
    assert counts(requester, hit) == ("Unassignable", 1, 1, 0)
    worker_error(late.call("POST", f"/hits/{hit}/accept"), 409, "Conflict", "expired")
    group = requester.get_hit(hit)["HITGroupId"]
    assert late.call("POST", f"/hit-groups/{group}/accept").status_code in (404, 409)
    assert group not in [g["HITGroupId"] for g in late.groups(MaxResults=100)["HITGroups"]]
    r = w.submit(asg, {"answer": "late but in time"})
    assert r["AssignmentStatus"] == "Submitted"
    assert counts(requester, hit) == ("Reviewable", 1, 0, 0)
    got = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert got["AssignmentStatus"] == "Submitted"


def test_accept_after_expiry_refused(server, requester):
    hit = requester.create_hit(MaxAssignments=1)["HITId"]
    requester.client.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    w = server.create_worker()
    worker_error(w.call("POST", f"/hits/{hit}/accept"), 409, "Conflict", hit)


def test_statuses_and_counters_through_the_life_cycle(server, requester):
    c = requester.client
    hit = requester.create_hit(MaxAssignments=2, AutoApprovalDelayInSeconds=86400)["HITId"]
    a, b = server.create_worker(), server.create_worker()
    assert counts(requester, hit) == ("Assignable", 2, 0, 0)
    aa = a.accept(hit)["AssignmentId"]
    assert counts(requester, hit) == ("Assignable", 1, 1, 0)
    ba = b.accept(hit)["AssignmentId"]
    assert counts(requester, hit) == ("Unassignable", 0, 2, 0)
    a.submit(aa)
    assert counts(requester, hit) == ("Unassignable", 0, 1, 0)
    b.submit(ba)
    assert counts(requester, hit) == ("Reviewable", 0, 0, 0)
    assert hit in [h["HITId"] for h in c.list_reviewable_hits(MaxResults=100)["HITs"]]
    c.approve_assignment(AssignmentId=aa)
    assert counts(requester, hit) == ("Reviewable", 0, 0, 1)
    c.reject_assignment(AssignmentId=ba, RequesterFeedback="Incomplete")
    assert counts(requester, hit) == ("Reviewable", 0, 0, 2)


def test_assignable_again_when_slot_frees_before_expiry(server, requester):
    hit = requester.create_hit(MaxAssignments=1, AssignmentDurationInSeconds=30)["HITId"]
    w = server.create_worker()
    w.accept(hit)
    server.advance(31)
    assert counts(requester, hit) == ("Assignable", 1, 0, 0)


# ----- auto-approval -----


def test_auto_approval_after_the_delay(server, requester):
    hit = requester.create_hit(AutoApprovalDelayInSeconds=3600, Reward="0.40")["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Submitted"
    assert ts(a["AutoApprovalTime"]) == pytest.approx(ts(a["SubmitTime"]) + 3600, abs=0.01)
    assert "ApprovalTime" not in a
    assert w.me()["Earnings"]["Pending"] == "0.40"
    server.advance(3599)
    assert requester.client.get_assignment(AssignmentId=asg)["Assignment"]["AssignmentStatus"] == "Submitted"
    server.advance(2)
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Approved"
    assert ts(a["ApprovalTime"]) == pytest.approx(ts(a["AutoApprovalTime"]), abs=0.01)
    assert counts(requester, hit) == ("Reviewable", 0, 0, 1)
    me = w.me()
    assert me["Earnings"]["Approved"] == "0.40"
    assert me["Earnings"]["Pending"] == "0.00"
    assert me["Earnings"]["Available"] == "0.40"
    # Approved already: approving or rejecting now is refused.
    with request_error("InvalidAssignmentState", "Approved"):
        requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="too late")


def test_auto_approval_immediate_when_delay_is_zero(server, requester):
    hit = requester.create_hit(AutoApprovalDelayInSeconds=0, Reward="0.10")["HITId"]
    w = server.create_worker()
    a = w.accept(hit)
    r = w.submit(a["AssignmentId"])
    assert r["AssignmentStatus"] == "Approved"
    got = requester.client.get_assignment(AssignmentId=a["AssignmentId"])["Assignment"]
    assert got["AssignmentStatus"] == "Approved"
    assert got["ApprovalTime"] == got["SubmitTime"]
    assert counts(requester, hit) == ("Reviewable", 0, 0, 1)
    assert w.me()["Earnings"]["Approved"] == "0.10"


# ----- GetAssignment and ListAssignmentsForHIT -----


def test_get_assignment(server, requester):
    hit = requester.create_hit(AutoApprovalDelayInSeconds=7200, AssignmentDurationInSeconds=900)
    w = server.create_worker()
    accepted_at = server.now()
    a = w.accept(hit["HITId"])
    server.advance(5)
    w.submit(a["AssignmentId"], {"answer": "cat"})
    r = requester.client.get_assignment(AssignmentId=a["AssignmentId"])
    asg, h = r["Assignment"], r["HIT"]
    assert asg["AssignmentId"] == a["AssignmentId"]
    assert asg["WorkerId"] == w.worker_id
    assert asg["HITId"] == hit["HITId"]
    assert asg["AssignmentStatus"] == "Submitted"
    assert ts(asg["AcceptTime"]) == pytest.approx(accepted_at, abs=1)
    assert ts(asg["SubmitTime"]) == pytest.approx(ts(asg["AcceptTime"]) + 5, abs=0.01)
    assert ts(asg["Deadline"]) == pytest.approx(ts(asg["AcceptTime"]) + 900, abs=0.01)
    assert ts(asg["AutoApprovalTime"]) == pytest.approx(ts(asg["SubmitTime"]) + 7200, abs=0.01)
    assert parse_answer(asg["Answer"]) == {"answer": "cat"}
    assert "RequesterFeedback" not in asg
    assert h["HITId"] == hit["HITId"] and h["Question"] == HTML_QUESTION


def test_get_assignment_unknown_or_in_progress(server, requester):
    with request_error("AssignmentDoesNotExist", NOASG):
        requester.client.get_assignment(AssignmentId=NOASG)
    hit = requester.create_hit()["HITId"]
    a = server.create_worker().accept(hit)["AssignmentId"]
    # Work in progress is the worker's business, not yet the requester's.
    with request_error("AssignmentDoesNotExist", a):
        requester.client.get_assignment(AssignmentId=a)
    with request_error("AssignmentDoesNotExist", a):
        requester.client.approve_assignment(AssignmentId=a)


def test_list_assignments_for_hit_filters_and_pages(server, requester):
    c = requester.client
    hit = requester.create_hit(MaxAssignments=5)["HITId"]
    ws = [server.create_worker() for _ in range(4)]
    ids = [w.work(hit, {"n": str(i)}) for i, w in enumerate(ws)]
    server.create_worker().accept(hit)  # in progress: never listed
    c.approve_assignment(AssignmentId=ids[0])
    c.reject_assignment(AssignmentId=ids[1], RequesterFeedback="no")

    def listed(**kw):
        page = c.list_assignments_for_hit(HITId=hit, **kw)
        assert page["NumResults"] == len(page["Assignments"])
        return [a["AssignmentId"] for a in page["Assignments"]]

    assert listed() == ids
    assert listed(AssignmentStatuses=["Submitted"]) == ids[2:]
    assert listed(AssignmentStatuses=["Approved"]) == [ids[0]]
    assert listed(AssignmentStatuses=["Rejected"]) == [ids[1]]
    assert listed(AssignmentStatuses=["Approved", "Rejected"]) == ids[:2]
    # Pagination, one at a time.
    seen, token = [], None
    while True:
        kw = {"MaxResults": 1}
        if token:
            kw["NextToken"] = token
        page = c.list_assignments_for_hit(HITId=hit, **kw)
        seen += [a["AssignmentId"] for a in page["Assignments"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ids
    page = c.list_assignments_for_hit(HITId=hit, MaxResults=3, AssignmentStatuses=["Submitted", "Approved"])
    assert page["NumResults"] == 3 and page["NextToken"]  # every non-empty page has one
    all_of_them = c.list_assignments_for_hit(HITId=hit)["Assignments"]
    by_id = {a["AssignmentId"]: a for a in all_of_them}
    assert by_id[ids[1]]["RequesterFeedback"] == "no"
    assert by_id[ids[0]]["WorkerId"] == ws[0].worker_id


def test_list_assignments_for_hit_errors(requester):
    hit = requester.create_hit()["HITId"]
    with request_error("InvalidParameterValue", "Accepted", "AssignmentStatuses"):
        requester.client.list_assignments_for_hit(HITId=hit, AssignmentStatuses=["Accepted"])
    for bad in (0, 101):
        with request_error("InvalidParameterValue", "MaxResults"):
            requester.raw.list_assignments_for_hit(HITId=hit, MaxResults=bad)
    with request_error("HITDoesNotExist"):
        requester.client.list_assignments_for_hit(HITId="3NOSUCHHIT00000000000000000000")
    with request_error("InvalidParameterValue", "NextToken"):
        requester.client.list_assignments_for_hit(HITId=hit, NextToken="bogus")


# ----- approve, reject, override -----


def test_approve_with_feedback(server, requester):
    hit = requester.create_hit(Reward="0.20")["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    fb = "Great work\twith a tab\nand a newline, " + "é" * 1100
    fb = fb[:1024]
    assert len(fb) == 1024
    requester.client.approve_assignment(AssignmentId=asg, RequesterFeedback=fb)
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Approved"
    assert a["RequesterFeedback"] == fb
    assert "ApprovalTime" in a
    with request_error("InvalidAssignmentState", asg):
        requester.client.approve_assignment(AssignmentId=asg)
    mine = w.assignments(Status="Approved")["Assignments"]
    assert [(x["AssignmentId"], x["RequesterFeedback"]) for x in mine] == [(asg, fb)]


def test_approve_feedback_limits(server, requester):
    hit = requester.create_hit()["HITId"]
    asg = server.create_worker().work(hit)
    with request_error("InvalidParameterValue", "RequesterFeedback", "1024"):
        requester.client.approve_assignment(AssignmentId=asg, RequesterFeedback="x" * 1025)
    for ch in ("\x01", "\x08", "\x0b", "\x0c", "\x1f"):
        with request_error("InvalidParameterValue", "RequesterFeedback"):
            requester.client.approve_assignment(AssignmentId=asg, RequesterFeedback=f"bad {ch} char")
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Submitted"


def test_reject_requires_feedback(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    with request_error("MissingParameter", "RequesterFeedback"):
        requester.raw.reject_assignment(AssignmentId=asg)
    with request_error("InvalidParameterValue", "RequesterFeedback"):
        requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="y" * 1025)
    with request_error("InvalidParameterValue", "RequesterFeedback"):
        requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="bell \x07")
    requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="Answers were blank")
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Rejected"
    assert a["RequesterFeedback"] == "Answers were blank"
    assert "RejectionTime" in a and "ApprovalTime" not in a
    with request_error("InvalidAssignmentState", "Rejected"):
        requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="again")
    mine = w.assignments(Status="Rejected")["Assignments"]
    assert [(x["AssignmentId"], x["RequesterFeedback"]) for x in mine] == [(asg, "Answers were blank")]
    assert w.me()["Earnings"]["Available"] == "0.00"


def test_reject_with_empty_feedback(server, requester):
    """psiTurk and oTree send RequesterFeedback "" and MTurk accepts it; only a missing or null
    value is an error. Empty feedback is no feedback: GetAssignment then has none."""
    hit = requester.create_hit(MaxAssignments=2)["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    r = requester.signed_post(json.dumps({"AssignmentId": asg, "RequesterFeedback": None}), "RejectAssignment")
    assert r.status_code == 400 and "RequesterFeedback" in r.text, r.text
    assert requester.client.get_assignment(AssignmentId=asg)["Assignment"]["AssignmentStatus"] == "Submitted"
    requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="")
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Rejected" and "RejectionTime" in a
    assert "RequesterFeedback" not in a, a
    listed = requester.client.list_assignments_for_hit(HITId=hit)["Assignments"]
    assert [(x["AssignmentId"], "RequesterFeedback" in x) for x in listed] == [(asg, False)]
    mine = w.assignments(Status="Rejected")["Assignments"]
    assert [(x["AssignmentId"], x.get("RequesterFeedback")) for x in mine] == [(asg, None)]


def test_override_rejection(server, requester):
    hit = requester.create_hit(Reward="0.35")["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="oops")
    with request_error("InvalidAssignmentState", "Rejected"):
        requester.client.approve_assignment(AssignmentId=asg)
    server.advance(29 * 86400)
    w.sign_in()  # sessions last a week
    requester.client.approve_assignment(AssignmentId=asg, OverrideRejection=True, RequesterFeedback="sorry")
    a = requester.client.get_assignment(AssignmentId=asg)["Assignment"]
    assert a["AssignmentStatus"] == "Approved"
    assert a["RequesterFeedback"] == "sorry"
    assert "RejectionTime" not in a
    me = w.me()
    assert me["Earnings"]["Approved"] == "0.35" and me["Earnings"]["Available"] == "0.35"
    with request_error("InvalidAssignmentState"):
        requester.client.approve_assignment(AssignmentId=asg, OverrideRejection=True)


def test_override_rejection_after_30_days_refused(fresh_server):
    r = fresh_server.default
    hit = r.create_hit(Reward="0.35")["HITId"]
    w = fresh_server.create_worker()
    asg = w.work(hit)
    r.client.reject_assignment(AssignmentId=asg, RequesterFeedback="oops")
    fresh_server.advance(30 * 86400 + 60)
    w.sign_in()  # sessions last a week
    with request_error("InvalidAssignmentState", asg, "30 days"):
        r.client.approve_assignment(AssignmentId=asg, OverrideRejection=True)
    assert r.client.get_assignment(AssignmentId=asg)["Assignment"]["AssignmentStatus"] == "Rejected"
    assert w.me()["Earnings"]["Available"] == "0.00"


def test_override_rejection_after_delete_refused(server, requester):
    hit = requester.create_hit()["HITId"]
    asg = server.create_worker().work(hit)
    requester.client.reject_assignment(AssignmentId=asg, RequesterFeedback="no")
    requester.client.delete_hit(HITId=hit)
    with pytest.raises(ClientError) as ei:
        requester.client.approve_assignment(AssignmentId=asg, OverrideRejection=True)
    check_request_error(ei.value, None)
    # Either answer is right: the HIT is gone, or its assignments are no longer visible.
    assert ei.value.response["TurkErrorCode"] in ("AWS.MechanicalTurk.InvalidHITState",
                                                  "AWS.MechanicalTurk.AssignmentDoesNotExist")


# ----- bonuses -----


def test_send_bonus_only_to_the_assignments_worker(server, requester):
    c = requester.client
    hit = requester.create_hit(MaxAssignments=2)["HITId"]
    w, other = server.create_worker(), server.create_worker()
    asg = w.work(hit)
    other_asg = other.work(hit)
    with request_error("InvalidParameterValue", other.worker_id, asg):
        c.send_bonus(WorkerId=other.worker_id, AssignmentId=asg, BonusAmount="1.00", Reason="thanks")
    c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="1.25", Reason="Great job")
    bonuses = c.list_bonus_payments(AssignmentId=asg)
    assert bonuses["NumResults"] == 1
    b = bonuses["BonusPayments"][0]
    assert b["WorkerId"] == w.worker_id
    assert b["AssignmentId"] == asg
    assert b["BonusAmount"] == "1.25"
    assert b["Reason"] == "Great job"
    assert ts(b["GrantTime"]) == pytest.approx(server.now(), abs=1)
    assert c.list_bonus_payments(AssignmentId=other_asg)["NumResults"] == 0
    me = w.me()
    assert me["Earnings"]["Bonuses"] == "1.25"
    assert me["Earnings"]["Available"] == "1.25"  # not yet approved: only the bonus
    assert other.me()["Earnings"]["Bonuses"] == "0.00"


def test_send_bonus_token_pays_once(server, requester):
    c = requester.client
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    token = unique("bonus-")
    c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="0.75", Reason="r", UniqueRequestToken=token)
    with request_error("DuplicateRequest", token):
        c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="0.75", Reason="r", UniqueRequestToken=token)
    assert c.list_bonus_payments(AssignmentId=asg)["NumResults"] == 1
    assert w.me()["Earnings"]["Bonuses"] == "0.75"
    # Without a token, a second bonus is a second bonus.
    c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="0.25", Reason="more")
    assert c.list_bonus_payments(AssignmentId=asg)["NumResults"] == 2
    assert w.me()["Earnings"]["Bonuses"] == "1.00"


def test_send_bonus_bad_values(server, requester):
    c = requester.client
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    for amount in ("abc", "1.234", "-1.00"):
        with request_error("InvalidParameterValue", "BonusAmount"):
            c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount=amount, Reason="r")
    with request_error("InvalidParameterValue", "BonusAmount"):
        c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="0.00", Reason="r")
    with request_error("InvalidParameterValue", "Reason"):
        c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="1.00", Reason="")
    with request_error("AssignmentDoesNotExist", NOASG):
        c.send_bonus(WorkerId=w.worker_id, AssignmentId=NOASG, BonusAmount="1.00", Reason="r")
    with request_error("InvalidParameterValue", "UniqueRequestToken"):
        c.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="1.00", Reason="r",
                     UniqueRequestToken="t" * 65)
    assert c.list_bonus_payments(AssignmentId=asg)["NumResults"] == 0
    assert w.me()["Earnings"]["Bonuses"] == "0.00"


def test_list_bonus_payments_by_hit_and_by_assignment(server, requester):
    c = requester.client
    hit = requester.create_hit(MaxAssignments=3)["HITId"]
    other_hit = requester.create_hit()["HITId"]
    ws = [server.create_worker() for _ in range(3)]
    asgs = [w.work(hit) for w in ws]
    o = server.create_worker()
    o_asg = o.work(other_hit)
    for i, (w, a) in enumerate(zip(ws, asgs)):
        c.send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount=f"0.0{i + 1}", Reason=f"bonus {i}")
    c.send_bonus(WorkerId=o.worker_id, AssignmentId=o_asg, BonusAmount="5.00", Reason="other")
    by_hit = c.list_bonus_payments(HITId=hit)
    assert by_hit["NumResults"] == 3
    assert [b["BonusAmount"] for b in by_hit["BonusPayments"]] == ["0.01", "0.02", "0.03"]
    assert [b["AssignmentId"] for b in by_hit["BonusPayments"]] == asgs
    assert [b["BonusAmount"] for b in c.list_bonus_payments(AssignmentId=asgs[1])["BonusPayments"]] == ["0.02"]
    assert [b["BonusAmount"] for b in c.list_bonus_payments(HITId=other_hit)["BonusPayments"]] == ["5.00"]
    p1 = c.list_bonus_payments(HITId=hit, MaxResults=2)
    assert p1["NumResults"] == 2 and p1["NextToken"]
    p2 = c.list_bonus_payments(HITId=hit, MaxResults=2, NextToken=p1["NextToken"])
    assert [b["Reason"] for b in p1["BonusPayments"] + p2["BonusPayments"]] == ["bonus 0", "bonus 1", "bonus 2"]
    p3 = c.list_bonus_payments(HITId=hit, MaxResults=2, NextToken=p2["NextToken"])
    assert p3["NumResults"] == 0 and "NextToken" not in p3
    with request_error("InvalidParameterValue", "HITId", "AssignmentId"):
        c.list_bonus_payments()
    with request_error("InvalidParameterValue", "HITId", "AssignmentId"):
        c.list_bonus_payments(HITId=hit, AssignmentId=asgs[0])
    with request_error("HITDoesNotExist"):
        c.list_bonus_payments(HITId="3NOSUCHHIT00000000000000000000")


# ----- answers -----


def test_answer_xml_escaping_and_multiple_values(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    tricky = 'a < b & c > "d" \'e\' ]]> <![CDATA[x]]> ünï©ødé 日本'
    asg = w.work(hit, {"comment": tricky, "colors": ["red", "green", "blue"], "empty": "",
                       "lines": "one\ntwo"})
    xml = requester.client.get_assignment(AssignmentId=asg)["Assignment"]["Answer"]
    assert xml.startswith("<?xml")
    assert f'xmlns="{ANSWERS_NS}"' in xml
    answers = parse_answer(xml)
    assert answers["comment"] == tricky
    assert answers["colors"] == "red|green|blue"
    assert answers["empty"] == ""
    assert answers["lines"] == "one\ntwo"
    assert set(answers) == {"comment", "colors", "empty", "lines"}


def test_answer_xml_for_a_question_form_selection(server, requester):
    hit = requester.create_hit(Question=question_form())["HITId"]
    w = server.create_worker()
    asg = w.work(hit, {"color": ["red", "blue"], "comment": "fine"})
    answers = parse_answer(requester.client.get_assignment(AssignmentId=asg)["Assignment"]["Answer"])
    assert answers == {"color": ["red", "blue"], "comment": "fine"}


def test_submit_with_control_characters_refused(server, requester):
    hit = requester.create_hit()["HITId"]
    w = server.create_worker()
    a = w.accept(hit)["AssignmentId"]
    worker_error(w.call("POST", f"/assignments/{a}/submit", json={"Answers": {"q": "bad\x01"}}),
                 422, "InvalidParameter", "U+0001")
    assert w.submit(a, {"q": "good"})["AssignmentStatus"] == "Submitted"


def test_submit_someone_elses_assignment_refused(server, requester):
    hit = requester.create_hit()["HITId"]
    a, b = server.create_worker(), server.create_worker()
    asg = a.accept(hit)["AssignmentId"]
    worker_error(b.call("POST", f"/assignments/{asg}/submit", json={"Answers": {"q": "x"}}), 403, "Forbidden", asg)
    worker_error(b.call("POST", f"/assignments/{NOASG}/submit", json={"Answers": {"q": "x"}}), 404, "NotFound")
    assert a.submit(asg)["AssignmentStatus"] == "Submitted"
    worker_error(a.call("POST", f"/assignments/{asg}/submit", json={"Answers": {"q": "x"}}), 409, "InvalidState")


def test_worker_may_hold_at_most_10_assignments_of_one_requester(server):
    """Developer Guide: "By default, any Worker can accept a maximum of 10 assignments for your
    HITs. Once any Worker has accepted 10 of your assignments, they must complete one of the 10
    assignments before Amazon Mechanical Turk lets them accept another one of your assignments."
    """
    r, other = server.create_requester(), server.create_requester()
    w = server.create_worker()
    hits = [r.create_hit()["HITId"] for _ in range(11)]
    held = [w.accept(h)["AssignmentId"] for h in hits[:10]]
    worker_error(w.call("POST", f"/hits/{hits[10]}/accept"), 409, "LimitExceeded", "10")
    assert counts(r, hits[10]) == ("Assignable", 1, 0, 0)
    # Another requester's HITs are not limited by these.
    w.accept(other.create_hit()["HITId"])
    w.submit(held[0])
    assert w.accept(hits[10])["HITId"] == hits[10]


def test_worker_assignments_bad_next_token(worker):
    worker_error(worker.call("GET", "/assignments", params={"NextToken": "nope"}), 422, "InvalidParameter", "NextToken")


def test_worker_sessions_expire_after_a_week(fresh_server):
    w = fresh_server.create_worker()
    fresh_server.advance(7 * 86400 - 60)
    assert w.me()["WorkerId"] == w.worker_id
    fresh_server.advance(120)
    worker_error(w.call("GET", "/me"), 401, "Unauthenticated")
    w.sign_in()
    assert w.me()["WorkerId"] == w.worker_id


def test_sandbox_ledger_verifies(server):
    p = server.ledger_verify()
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ledger OK" in p.stdout


def test_get_assignment_of_a_disposed_hit_refused(server):
    """API Reference, GetAssignment: "Requesters can only retrieve their own assignments for HITs
    that they have not disposed of."
    """
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    asg = server.create_worker().work(hit)
    r.client.approve_assignment(AssignmentId=asg)
    r.client.delete_hit(HITId=hit)
    with request_error("AssignmentDoesNotExist", asg):
        r.client.get_assignment(AssignmentId=asg)


def test_bonus_after_disposal_refused(server):
    """Developer Guide: a bonus can be granted "any time after you approve or reject the
    assignment up until the HIT has been disposed."
    """
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    r.client.approve_assignment(AssignmentId=asg)
    r.client.delete_hit(HITId=hit)
    with pytest.raises(ClientError) as ei:
        r.client.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="1.00", Reason="late")
    check_request_error(ei.value, None, asg)
    assert w.me()["Earnings"]["Bonuses"] == "0.00"
