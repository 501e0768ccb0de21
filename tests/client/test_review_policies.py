"""Review policies through boto3: CreateHIT with AssignmentReviewPolicy (ScoreMyKnownAnswers)
and HITReviewPolicy (SimplePlurality), workers submitting through the worker API, and
ListReviewPolicyResultsForHIT read as a boto3 user reads it, pages and paginator included."""

import json

from conftest import HTML_QUESTION, hit_params, question_form, request_error, unique

KNOWN = "ScoreMyKnownAnswers/2011-09-01"
PLURALITY = "SimplePlurality/2011-09-01"


def p(key, *values):
    return {"Key": key, "Values": list(values)}


def results(report):
    return [(r["SubjectId"], r.get("QuestionId", ""), r["Key"], r["Value"]) for r in report.get("ReviewResults", [])]


def value(rs, subject, question, key):
    found = [r[3] for r in rs if r[:3] == (subject, question, key)]
    return found[-1] if found else None


def test_known_answers_on_a_question_form(server, mturk):
    """A checkbox question's known answer is a set: all its values and no others."""
    policy = {
        "PolicyName": KNOWN,
        "Parameters": [
            {"Key": "AnswerKey", "MapEntries": [{"Key": "color", "Values": ["red", "blue"]}]},
            p("ApproveIfKnownAnswerScoreIsAtLeast", "100"),
            p("ApproveReason", "Right colours"),
            p("RejectIfKnownAnswerScoreIsLessThan", "100"),
            p("RejectReason", "Wrong colours"),
        ],
    }
    hit = mturk.create_hit(**hit_params(Title=unique("colours "), Question=question_form(), MaxAssignments=3,
                                        AssignmentReviewPolicy=policy))["HIT"]
    assert hit["HITReviewStatus"] == "NotReviewed"
    right, subset, superset = server.create_worker(), server.create_worker(), server.create_worker()
    a1 = right.work(hit["HITId"], {"color": ["blue", "red"]})
    a2 = subset.work(hit["HITId"], {"color": ["red"]})
    a3 = superset.work(hit["HITId"], {"color": ["red", "blue", "green"]})
    got = {a: mturk.get_assignment(AssignmentId=a)["Assignment"] for a in (a1, a2, a3)}
    assert got[a1]["AssignmentStatus"] == "Approved"
    assert got[a1]["RequesterFeedback"] == "Right colours"
    for a in (a2, a3):
        assert got[a]["AssignmentStatus"] == "Rejected"
        assert got[a]["RequesterFeedback"] == "Wrong colours"

    r = mturk.list_review_policy_results_for_hit(HITId=hit["HITId"])
    assert r["HITId"] == hit["HITId"]
    assert r["AssignmentReviewPolicy"] == {"PolicyName": KNOWN}
    assert "HITReviewPolicy" not in r
    rs = results(r["AssignmentReviewReport"])
    assert [value(rs, a, "", "KnownAnswerScore") for a in (a1, a2, a3)] == ["100", "0", "0"]
    assert value(rs, a1, "color", "KnownAnswerCorrect") == "1"
    actions = r["AssignmentReviewReport"]["ReviewActions"]
    assert [(x["ActionName"], x["TargetId"], x["TargetType"], x["Status"]) for x in actions] == [
        ("Approve", a1, "Assignment", "Succeeded"),
        ("Reject", a2, "Assignment", "Succeeded"),
        ("Reject", a3, "Assignment", "Succeeded"),
    ]
    assert all(x["CompleteTime"].year >= 2020 for x in actions)
    assert server.ledger_verify().returncode == 0


def test_plurality_reviews_the_hit_and_pages(server, mturk, requester):
    policy = {
        "PolicyName": PLURALITY,
        "Parameters": [
            p("QuestionIds", "A", "B"),
            p("QuestionAgreementThreshold", "60"),
            p("DisregardAssignmentIfRejected", "F"),
            p("ApproveIfWorkerAgreementScoreIsAtLeast", "100"),
            p("RejectIfWorkerAgreementScoreIsLessThan", "50"),
            p("RejectReason", "Disagreed"),
        ],
    }
    hit = mturk.create_hit(**hit_params(Title=unique("plurality "), MaxAssignments=3, HITReviewPolicy=policy))["HIT"]
    hid = hit["HITId"]
    ids = [server.create_worker().work(hid, answers)
           for answers in ({"A": "x", "B": "y"}, {"A": "x", "B": "y"}, {"A": "z", "B": "w"})]
    h = mturk.get_hit(HITId=hid)["HIT"]
    assert h["HITStatus"] == "Reviewable"
    assert h["HITReviewStatus"] == "ReviewedAppropriate"
    st = [mturk.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"] for a in ids]
    assert st == ["Approved", "Approved", "Rejected"]

    full = mturk.list_review_policy_results_for_hit(HITId=hid, PolicyLevels=["HIT"], RetrieveActions=True,
                                                    RetrieveResults=True)
    assert full["HITReviewPolicy"] == {"PolicyName": PLURALITY}
    assert "AssignmentReviewReport" not in full
    rs = results(full["HITReviewReport"])
    assert value(rs, hid, "", "HitAgreementScore") == "100"
    assert value(rs, hid, "A", "AgreedAnswer") == "x"
    assert value(rs, hid, "A", "AnswerAgreementScore") == "66"
    assert value(rs, ids[2], "", "WorkerAgreementScore") == "0"

    # Two entries a page (botocore has no paginator for this operation): every result and
    # action once, a NextToken on every non-empty page, and an empty last page.
    pages, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        pg = mturk.list_review_policy_results_for_hit(HITId=hid, PolicyLevels=["HIT"], MaxResults=2, **kw)
        pages.append(pg)
        token = pg.get("NextToken")
        if not token:
            break
    sizes = [len(results(pg["HITReviewReport"])) + len(pg["HITReviewReport"]["ReviewActions"]) for pg in pages]
    total = len(rs) + len(full["HITReviewReport"]["ReviewActions"])
    assert sizes == [2] * (total // 2) + [1] * (total % 2) + [0], sizes
    paged = [x for pg in pages for x in results(pg.get("HITReviewReport", {}))]
    acted = [x["ActionId"] for pg in pages for x in pg.get("HITReviewReport", {}).get("ReviewActions", [])]
    assert paged == rs
    assert acted == [x["ActionId"] for x in full["HITReviewReport"]["ReviewActions"]]
    assert "NextToken" not in pages[-1]

    # The API Reference's AssignmentId (not in the service model, so sent as raw JSON): only
    # what concerns that assignment.
    raw = requester.signed_post(json.dumps({"HITId": hid, "AssignmentId": ids[2]}),
                                target="ListReviewPolicyResultsForHIT")
    assert raw.status_code == 200, raw.text
    mine = raw.json()["HITReviewReport"]
    assert {r["SubjectId"] for r in mine["ReviewResults"]} == {ids[2]}
    assert [(a["ActionName"], a["TargetId"]) for a in mine["ReviewActions"]] == [("Reject", ids[2])]

    # Only the owner sees the results.
    other = server.create_requester()
    with request_error("HITDoesNotExist", hid):
        other.client.list_review_policy_results_for_hit(HITId=hid)
    assert server.ledger_verify().returncode == 0


def test_bad_policies_are_refused(mturk):
    before = len(mturk.list_hits(MaxResults=100)["HITs"])
    with request_error("InvalidParameterValue", "HITReviewPolicy.PolicyName", KNOWN):
        mturk.create_hit(**hit_params(HITReviewPolicy={"PolicyName": KNOWN, "Parameters": []}))
    with request_error("InvalidParameterValue", "'Threshold' is not a parameter"):
        mturk.create_hit(**hit_params(HITReviewPolicy={"PolicyName": PLURALITY, "Parameters": [
            p("QuestionIds", "a"), p("Threshold", "5")]}))
    with request_error("InvalidParameterValue", "ExtendMinimumTimeInSeconds", "60 to 31536000"):
        mturk.create_hit(**hit_params(AssignmentReviewPolicy={"PolicyName": KNOWN, "Parameters": [
            {"Key": "AnswerKey", "MapEntries": [{"Key": "q", "Values": ["a"]}]},
            p("ExtendMinimumTimeInSeconds", "10")]}))
    with request_error("MissingParameter", "AssignmentReviewPolicy.Parameters.1.Key"):
        mturk.create_hit(**hit_params(AssignmentReviewPolicy={"PolicyName": KNOWN, "Parameters": [
            {"Values": ["a"]}]}))
    with request_error("InvalidParameterValue", "'colour'", "QuestionForm does not have"):
        mturk.create_hit(**hit_params(Question=question_form(), AssignmentReviewPolicy={
            "PolicyName": KNOWN, "Parameters": [{"Key": "AnswerKey", "MapEntries": [{"Key": "colour", "Values": ["red"]}]}]}))
    with request_error("InvalidParameterValue", "'QuestionIds' names the QuestionId 'size'"):
        mturk.create_hit(**hit_params(Question=question_form(), HITReviewPolicy={"PolicyName": PLURALITY, "Parameters": [
            p("QuestionIds", "color,size"), p("QuestionAgreementThreshold", "50")]}))
    assert len(mturk.list_hits(MaxResults=100)["HITs"]) == before
    with request_error("InvalidParameterValue", "PolicyLevels"):
        hid = mturk.create_hit(**hit_params(Question=HTML_QUESTION))["HIT"]["HITId"]
        mturk.list_review_policy_results_for_hit(HITId=hid, PolicyLevels=["Worker"])
