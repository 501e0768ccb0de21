"""Managing HITs: GetHIT, ListHITs, ListReviewableHITs, UpdateExpirationForHIT,
UpdateHITReviewStatus, UpdateHITTypeOfHIT, CreateAdditionalAssignmentsForHIT, DeleteHIT,
GetAccountBalance."""

import datetime as dt
import threading

import pytest
from botocore.exceptions import ClientError

from conftest import HTML_QUESTION, check_request_error, hit_params, hit_type_params, request_error, ts, unique


def expire_now(r, hit_id):
    r.client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)


# ----- GetHIT -----


def test_get_hit_unknown(requester):
    with request_error("HITDoesNotExist", "3NOSUCHHIT00000000000000000000"):
        requester.client.get_hit(HITId="3NOSUCHHIT00000000000000000000")


def test_get_hit_empty_id_server_side(requester):
    with request_error(None):
        requester.raw.get_hit(HITId="")


# ----- ListHITs -----


def test_list_hits_pagination(server):
    r = server.create_requester()
    ids = [r.create_hit(Title=f"page {i}")["HITId"] for i in range(7)]
    seen, pages, token = [], [], None
    while True:
        kw = {"MaxResults": 3}
        if token:
            kw["NextToken"] = token
        page = r.client.list_hits(**kw)
        assert page["NumResults"] == len(page["HITs"])
        pages.append(page["NumResults"])
        seen += [h["HITId"] for h in page["HITs"]]
        token = page.get("NextToken")
        if not token:
            break
    # As on MTurk, every page with results has a NextToken; only an empty page ends the listing.
    assert pages == [3, 3, 1, 0]
    assert seen == ids  # oldest first, no duplicates, nothing lost
    everything = r.client.list_hits(MaxResults=100)
    assert everything["NumResults"] == 7 and everything["NextToken"]
    end = r.client.list_hits(NextToken=everything["NextToken"])
    assert end["NumResults"] == 0 and "NextToken" not in end
    assert [h["HITId"] for h in r.client.list_hits()["HITs"]] == ids
    one = r.client.list_hits(MaxResults=1)
    assert one["NumResults"] == 1 and one["NextToken"]
    full = one["HITs"][0]
    assert full["Question"] == HTML_QUESTION and full["Reward"] == "0.50"


def test_list_hits_only_own(server):
    a, b = server.create_requester(), server.create_requester()
    ha = a.create_hit()["HITId"]
    b.create_hit()
    assert [h["HITId"] for h in a.client.list_hits()["HITs"]] == [ha]


def test_list_hits_max_results_bounds(requester):
    for bad in (0, 101, -1):
        with request_error("InvalidParameterValue", "MaxResults", str(bad)):
            requester.raw.list_hits(MaxResults=bad)


def test_list_hits_bad_next_token(requester):
    with request_error("InvalidParameterValue", "NextToken", "garbage"):
        requester.client.list_hits(NextToken="garbage")


def test_list_hits_while_inserting_concurrently(server):
    r = server.create_requester()
    before = [r.create_hit(Title=f"before {i}")["HITId"] for i in range(12)]
    writer = server.client(r.key_id, r.secret)
    stop = threading.Event()
    added = []

    def insert():
        while not stop.is_set() and len(added) < 40:
            added.append(writer.create_hit(**hit_params(Title="during"))["HIT"]["HITId"])

    t = threading.Thread(target=insert)
    t.start()
    try:
        seen, token = [], None
        while True:
            kw = {"MaxResults": 2}
            if token:
                kw["NextToken"] = token
            page = r.client.list_hits(**kw)
            seen += [h["HITId"] for h in page["HITs"]]
            token = page.get("NextToken")
            if not token:
                break
    finally:
        stop.set()
        t.join(60)
    assert len(seen) == len(set(seen)), "a HIT was listed twice"
    assert seen[: len(before)] == before, "a HIT that existed before listing was lost or misplaced"
    assert set(seen) <= set(before) | set(added)
    # Afterwards everything is there exactly once.
    all_ids = []
    token = None
    while True:
        page = r.client.list_hits(**({"NextToken": token} if token else {}))
        all_ids += [h["HITId"] for h in page["HITs"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(all_ids) == sorted(before + added)


# ----- ListReviewableHITs and UpdateHITReviewStatus -----


def test_list_reviewable_hits_filters(server):
    r = server.create_requester()
    c = r.client
    t1 = c.create_hit_type(**hit_type_params(Title="type one"))["HITTypeId"]
    t2 = c.create_hit_type(**hit_type_params(Title="type two"))["HITTypeId"]
    a1 = c.create_hit_with_hit_type(HITTypeId=t1, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]["HITId"]
    a2 = c.create_hit_with_hit_type(HITTypeId=t1, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]["HITId"]
    b1 = c.create_hit_with_hit_type(HITTypeId=t2, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]["HITId"]
    open_hit = c.create_hit_with_hit_type(HITTypeId=t1, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]["HITId"]
    assert c.list_reviewable_hits()["NumResults"] == 0
    for h in (a1, a2, b1):
        expire_now(r, h)
        assert r.get_hit(h)["HITStatus"] == "Reviewable"

    def ids(**kw):
        page = c.list_reviewable_hits(**kw)
        assert page["NumResults"] == len(page["HITs"])
        return [h["HITId"] for h in page["HITs"]]

    assert ids() == [a1, a2, b1]
    assert ids(Status="Reviewable") == [a1, a2, b1]
    assert ids(HITTypeId=t1) == [a1, a2]
    assert ids(HITTypeId=t2) == [b1]
    assert ids(Status="Reviewing") == []
    assert open_hit not in ids()

    c.update_hit_review_status(HITId=a2)
    assert r.get_hit(a2)["HITStatus"] == "Reviewing"
    assert ids(Status="Reviewing") == [a2]
    assert ids(Status="Reviewing", HITTypeId=t2) == []
    assert ids() == [a1, b1]
    # Pagination.
    p1 = c.list_reviewable_hits(MaxResults=1)
    assert p1["NumResults"] == 1 and p1["NextToken"]
    p2 = c.list_reviewable_hits(MaxResults=1, NextToken=p1["NextToken"])
    assert [h["HITId"] for h in p1["HITs"] + p2["HITs"]] == [a1, b1]
    p3 = c.list_reviewable_hits(MaxResults=1, NextToken=p2["NextToken"])
    assert p3["NumResults"] == 0 and "NextToken" not in p3

    c.update_hit_review_status(HITId=a2, Revert=True)
    assert r.get_hit(a2)["HITStatus"] == "Reviewable"
    assert ids(Status="Reviewing") == []
    assert ids() == [a1, a2, b1]


def test_list_reviewable_hits_bad_status(requester):
    with request_error("InvalidParameterValue", "Status", "Done"):
        requester.client.list_reviewable_hits(Status="Done")


def test_update_hit_review_status_wrong_states(requester):
    h = requester.create_hit()["HITId"]
    with request_error("InvalidHITState", "Assignable"):
        requester.client.update_hit_review_status(HITId=h)
    with request_error("InvalidHITState", "Assignable"):
        requester.client.update_hit_review_status(HITId=h, Revert=True)
    expire_now(requester, h)
    with request_error("InvalidHITState", "Reviewable"):
        requester.client.update_hit_review_status(HITId=h, Revert=True)
    requester.client.update_hit_review_status(HITId=h)
    with request_error("InvalidHITState", "Reviewing"):
        requester.client.update_hit_review_status(HITId=h)


def test_update_hit_review_status_unknown_hit(requester):
    with request_error("HITDoesNotExist"):
        requester.client.update_hit_review_status(HITId="3NOSUCHHIT00000000000000000000")


# ----- UpdateExpirationForHIT -----


def test_update_expiration_extend(server, requester):
    hit = requester.create_hit(LifetimeInSeconds=3600)
    new = ts(hit["Expiration"]) + 86400
    requester.client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=dt.datetime.fromtimestamp(new, dt.timezone.utc))
    got = requester.get_hit(hit["HITId"])
    assert ts(got["Expiration"]) == pytest.approx(new, abs=0.01)
    assert got["HITStatus"] == "Assignable"


def test_update_expiration_shortening_refused(requester):
    hit = requester.create_hit(LifetimeInSeconds=3600)
    shorter = ts(hit["Expiration"]) - 600
    with request_error("InvalidParameterValue", "ExpireAt"):
        requester.client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=shorter)
    assert requester.get_hit(hit["HITId"])["Expiration"] == hit["Expiration"]


def test_update_expiration_zero_expires_now(server, requester):
    hit = requester.create_hit(LifetimeInSeconds=3600, MaxAssignments=2)
    now = server.now()
    requester.client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    got = requester.get_hit(hit["HITId"])
    assert ts(got["Expiration"]) == pytest.approx(now, abs=1)
    assert got["HITStatus"] == "Reviewable"
    assert got["NumberOfAssignmentsAvailable"] == 2  # never taken, still counted (as MTurk)


def test_update_expiration_past_datetime_expires_now(server, requester):
    hit = requester.create_hit(LifetimeInSeconds=3600)
    now = server.now()
    requester.client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc))
    got = requester.get_hit(hit["HITId"])
    assert ts(got["Expiration"]) == pytest.approx(now, abs=1)
    assert got["HITStatus"] == "Reviewable"


def test_update_expiration_extends_an_expired_hit(server, requester):
    hit = requester.create_hit(LifetimeInSeconds=3600)
    expire_now(requester, hit["HITId"])
    later = server.now() + 7200
    requester.client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    got = requester.get_hit(hit["HITId"])
    assert got["HITStatus"] == "Assignable"
    assert got["NumberOfAssignmentsAvailable"] == 1
    assert ts(got["Expiration"]) == pytest.approx(later, abs=0.01)


def test_update_expiration_more_than_a_year_refused(server, requester):
    hit = requester.create_hit()
    with request_error("InvalidParameterValue", "ExpireAt"):
        requester.client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=server.now() + 31536000 + 3600)


def test_update_expiration_unknown_hit(requester):
    with request_error("HITDoesNotExist"):
        requester.client.update_expiration_for_hit(HITId="3NOSUCHHIT00000000000000000000", ExpireAt=0)


def test_update_expiration_missing_expire_at_server_side(requester):
    hit = requester.create_hit()
    with request_error("MissingParameter", "ExpireAt"):
        requester.raw.update_expiration_for_hit(HITId=hit["HITId"])


# ----- UpdateHITTypeOfHIT -----


def test_update_hit_type_of_hit(requester):
    c = requester.client
    hit = requester.create_hit()
    new_type = c.create_hit_type(**hit_type_params(Title="New title", Reward="0.75", Keywords="new",
                                                   AssignmentDurationInSeconds=120))["HITTypeId"]
    c.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=new_type)
    got = requester.get_hit(hit["HITId"])
    assert got["HITTypeId"] == new_type
    assert got["HITGroupId"] != hit["HITGroupId"]
    assert got["Title"] == "New title"
    assert got["Reward"] == "0.75"
    assert got["Keywords"] == "new"
    assert got["AssignmentDurationInSeconds"] == 120
    # Its group is the new type's group.
    other = c.create_hit_with_hit_type(HITTypeId=new_type, LifetimeInSeconds=60, Question=HTML_QUESTION)["HIT"]
    assert other["HITGroupId"] == got["HITGroupId"]


def test_update_hit_type_of_hit_errors(server, requester):
    c = requester.client
    hit = requester.create_hit()
    with request_error("HITTypeDoesNotExist", "3NOSUCHTYPE0000000000000000000"):
        c.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId="3NOSUCHTYPE0000000000000000000")
    theirs = server.create_requester().client.create_hit_type(**hit_type_params())["HITTypeId"]
    with request_error("HITTypeDoesNotExist", theirs):
        c.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=theirs)
    mine = c.create_hit_type(**hit_type_params())["HITTypeId"]
    with request_error("HITDoesNotExist"):
        c.update_hit_type_of_hit(HITId="3NOSUCHHIT00000000000000000000", HITTypeId=mine)
    assert requester.get_hit(hit["HITId"])["HITTypeId"] == hit["HITTypeId"]


# ----- CreateAdditionalAssignmentsForHIT -----


def test_create_additional_assignments(requester):
    c = requester.client
    hit = requester.create_hit(MaxAssignments=1)
    c.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=2)
    got = requester.get_hit(hit["HITId"])
    assert got["MaxAssignments"] == 3
    assert got["NumberOfAssignmentsAvailable"] == 3
    # Up to 9 is fine; crossing 10 is not.
    c.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=6)
    assert requester.get_hit(hit["HITId"])["MaxAssignments"] == 9
    with request_error("InvalidMaximumAssignmentsIncrease", hit["HITId"]):
        c.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=1)
    assert requester.get_hit(hit["HITId"])["MaxAssignments"] == 9


def test_create_additional_assignments_crossing_ten(requester):
    hit = requester.create_hit(MaxAssignments=5)
    with request_error("InvalidMaximumAssignmentsIncrease"):
        requester.client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=5)
    assert requester.get_hit(hit["HITId"])["MaxAssignments"] == 5


def test_create_additional_assignments_from_ten_or_more(requester):
    hit = requester.create_hit(MaxAssignments=10)
    requester.client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=5)
    got = requester.get_hit(hit["HITId"])
    assert got["MaxAssignments"] == 15 and got["NumberOfAssignmentsAvailable"] == 15


def test_create_additional_assignments_token_dedupe(requester):
    c = requester.client
    hit = requester.create_hit(MaxAssignments=2)
    token = unique("extend-")
    c.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=3, UniqueRequestToken=token)
    with request_error("DuplicateRequest", token):
        c.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=3,
                                                UniqueRequestToken=token)
    assert requester.get_hit(hit["HITId"])["MaxAssignments"] == 5


def test_create_additional_assignments_bad_values(requester):
    hit = requester.create_hit()
    for bad in (0, -1):
        with request_error("InvalidParameterValue", "NumberOfAdditionalAssignments", str(bad)):
            requester.raw.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=bad)
    with request_error("HITDoesNotExist"):
        requester.client.create_additional_assignments_for_hit(HITId="3NOSUCHHIT00000000000000000000",
                                                               NumberOfAdditionalAssignments=1)


def test_create_additional_assignments_reopens_an_exhausted_hit(requester, server):
    hit = requester.create_hit(MaxAssignments=1)
    w = server.create_worker()
    w.work(hit["HITId"])
    assert requester.get_hit(hit["HITId"])["HITStatus"] == "Reviewable"
    requester.client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=1)
    got = requester.get_hit(hit["HITId"])
    assert got["HITStatus"] == "Assignable"
    assert got["NumberOfAssignmentsAvailable"] == 1


# ----- DeleteHIT -----


def test_delete_hit_only_when_reviewable(server):
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    with request_error("InvalidHITState", "Assignable", "Reviewable"):
        r.client.delete_hit(HITId=hit)
    expire_now(r, hit)
    r.client.delete_hit(HITId=hit)
    assert r.client.list_hits()["NumResults"] == 0
    assert r.client.list_reviewable_hits()["NumResults"] == 0


def test_delete_hit_with_unreviewed_work_refused(server):
    r = server.create_requester()
    hit = r.create_hit(MaxAssignments=1)["HITId"]
    a = server.create_worker().work(hit)
    assert r.get_hit(hit)["HITStatus"] == "Reviewable"
    with request_error("InvalidHITState", hit):
        r.client.delete_hit(HITId=hit)
    r.client.approve_assignment(AssignmentId=a)
    r.client.delete_hit(HITId=hit)
    assert [h["HITId"] for h in r.client.list_hits()["HITs"]] == []


def test_delete_hit_with_work_in_progress_refused(server):
    r = server.create_requester()
    hit = r.create_hit(MaxAssignments=2)["HITId"]
    server.create_worker().accept(hit)
    expire_now(r, hit)
    assert r.get_hit(hit)["HITStatus"] == "Unassignable"
    with request_error("InvalidHITState", "Unassignable"):
        r.client.delete_hit(HITId=hit)


def test_delete_hit_unknown_and_others(server, requester):
    with request_error("HITDoesNotExist"):
        requester.client.delete_hit(HITId="3NOSUCHHIT00000000000000000000")
    other = server.create_requester()
    h = other.create_hit()["HITId"]
    expire_now(other, h)
    with request_error("HITDoesNotExist", h):
        requester.client.delete_hit(HITId=h)
    assert other.get_hit(h)["HITStatus"] == "Reviewable"


def test_deleted_hit_cannot_be_changed(server):
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    expire_now(r, hit)
    r.client.delete_hit(HITId=hit)
    for call in (
        lambda: r.client.update_expiration_for_hit(HITId=hit, ExpireAt=server.now() + 3600),
        lambda: r.client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1),
        lambda: r.client.update_hit_review_status(HITId=hit),
    ):
        with pytest.raises(ClientError) as ei:
            call()
        assert ei.value.response["Error"]["Code"] == "RequestError"
        assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ----- GetAccountBalance -----


def test_get_account_balance_sandbox(server):
    r = server.create_requester()
    b = r.client.get_account_balance()
    assert b["AvailableBalance"] == "10000.00"
    assert b["OnHoldBalance"] == "0.00"
    assert b["ResponseMetadata"]["HTTPStatusCode"] == 200
    # Creating work never lowers the sandbox's balance.
    r.create_hit(MaxAssignments=5, Reward="10.00")
    assert r.client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_deposit_is_refused_in_the_sandbox(server):
    p = server.cli("requester", "deposit", "default", "5.00", check=False)
    assert p.returncode != 0
    assert "sandbox" in p.stderr
    assert server.default.client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_list_hits_with_the_boto3_paginator(server):
    r = server.create_requester()
    ids = [r.create_hit()["HITId"] for _ in range(5)]
    pages = list(r.client.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 2}))
    # The page with the last HIT has a NextToken too; the paginator stops on the empty page.
    assert [p["NumResults"] for p in pages] == [2, 2, 1, 0]
    assert [h["HITId"] for p in pages for h in p["HITs"]] == ids


def test_natural_expiry_makes_a_hit_reviewable(server):
    r = server.create_requester()
    hit = r.create_hit(LifetimeInSeconds=60)["HITId"]
    later = r.create_hit(LifetimeInSeconds=3600)["HITId"]
    server.advance(59)
    assert r.get_hit(hit)["HITStatus"] == "Assignable"
    assert r.client.list_reviewable_hits()["NumResults"] == 0
    server.advance(2)
    assert [h["HITId"] for h in r.client.list_reviewable_hits()["HITs"]] == [hit]
    got = r.get_hit(hit)
    assert got["HITStatus"] == "Reviewable" and got["NumberOfAssignmentsAvailable"] == 1
    assert r.get_hit(later)["HITStatus"] == "Assignable"


def test_reviewable_hits_are_disposed_after_120_days(fresh_server):
    r = fresh_server.default
    hit = r.create_hit(LifetimeInSeconds=60)["HITId"]
    keep = r.create_hit(LifetimeInSeconds=31536000)["HITId"]
    fresh_server.advance(61)
    assert r.get_hit(hit)["HITStatus"] == "Reviewable"
    fresh_server.advance(119 * 86400)
    assert hit in [h["HITId"] for h in r.client.list_hits()["HITs"]]
    fresh_server.advance(86400)
    assert [h["HITId"] for h in r.client.list_hits()["HITs"]] == [keep]
    assert r.client.list_reviewable_hits()["NumResults"] == 0


def test_a_reviewing_hit_can_be_deleted(server):
    """Developer Guide: "There is no need to revert a 'reviewing' HIT back to 'reviewable' before
    disposing of or extending the HIT."
    """
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    expire_now(r, hit)
    r.client.update_hit_review_status(HITId=hit)
    assert r.get_hit(hit)["HITStatus"] == "Reviewing"
    r.client.delete_hit(HITId=hit)
    assert r.client.list_hits()["NumResults"] == 0


def test_a_reviewing_hit_can_be_extended(server):
    r = server.create_requester()
    hit = r.create_hit(MaxAssignments=1)["HITId"]
    server.create_worker().work(hit)
    r.client.update_hit_review_status(HITId=hit)
    r.client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1)
    got = r.get_hit(hit)
    assert (got["HITStatus"], got["NumberOfAssignmentsAvailable"]) == ("Assignable", 1)
    other = r.create_hit()["HITId"]
    expire_now(r, other)
    r.client.update_hit_review_status(HITId=other)
    r.client.update_expiration_for_hit(HITId=other, ExpireAt=server.now() + 3600)
    assert r.get_hit(other)["HITStatus"] == "Assignable"


def test_absurd_totals_are_refused_not_server_faults(fresh_server):
    """A Reward and MaxAssignments that each pass their checks but whose product overflows must
    get a RequestError (or work), never a ServiceFault, and must not break later calls or the
    books."""
    r = fresh_server.default
    other = fresh_server.create_requester()
    for _ in range(2):
        try:
            r.create_hit(Reward="999999999999.99", MaxAssignments=1000000000)
        except ClientError as e:
            check_request_error(e, None)
    assert r.create_hit()["HITStatus"] == "Assignable"
    assert other.create_hit()["HITStatus"] == "Assignable"
    assert r.client.get_account_balance()["AvailableBalance"] == "10000.00"
    p = fresh_server.ledger_verify()
    assert p.returncode == 0, p.stdout + p.stderr


def test_list_hits_default_page_is_100(server):
    r = server.create_requester()
    ids = [r.create_hit()["HITId"] for _ in range(101)]
    first = r.client.list_hits()
    assert first["NumResults"] == 100 and first["NextToken"]
    rest = r.client.list_hits(NextToken=first["NextToken"])
    assert rest["NumResults"] == 1 and rest["NextToken"]
    assert r.client.list_hits(NextToken=rest["NextToken"])["NumResults"] == 0
    assert [h["HITId"] for h in first["HITs"] + rest["HITs"]] == ids
