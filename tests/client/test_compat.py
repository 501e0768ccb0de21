"""What real MTurk tools depend on beyond the API Reference, found by running Mephisto and the
JavaScript SDK: a NextToken on every non-empty page, MTurk's spelling of TurkErrorCodes, and the
counts of an expired HIT."""

import pytest

from conftest import request_error

MAX = 2


def mephisto_get_outstanding_hits(client):
    """Mephisto 1.1.1's loop over ListHITs (mephisto/abstractions/providers/mturk/mturk_utils.py):
    it reads NextToken from every page without a guard and stops on an empty page."""
    page = client.list_hits(MaxResults=MAX)
    hits = list(page["HITs"])
    sizes = [page["NumResults"]]
    while page["NumResults"] != 0:
        page = client.list_hits(MaxResults=MAX, NextToken=page["NextToken"])  # KeyError before the fix
        hits += page["HITs"]
        sizes.append(page["NumResults"])
        assert len(sizes) < 10, sizes
    return hits, sizes


def walk(call, **kw):
    """Each page's (NumResults, has NextToken), read by hand until a page without NextToken."""
    out, token = [], None
    while True:
        page = call(MaxResults=MAX, **kw, **({"NextToken": token} if token else {}))
        out.append((page["NumResults"], "NextToken" in page))
        token = page.get("NextToken")
        if not token:
            return out
        assert len(out) < 10, out


def paginate(client, op, **kw):
    """The page sizes boto3's own paginator yields; it stops by itself."""
    pages = client.get_paginator(op).paginate(**kw, PaginationConfig={"PageSize": MAX, "MaxItems": 50})
    return [p["NumResults"] for p in pages]


@pytest.fixture(scope="module")
def listed(server):
    """A requester with 3 HITs, 3 submitted assignments on the first (one approved, with 3
    bonuses), and all 3 HITs expired (Reviewable)."""
    r = server.create_requester()
    hits = [r.create_hit(MaxAssignments=3)["HITId"] for _ in range(3)]
    workers = [server.create_worker() for _ in range(3)]
    asgs = [w.work(hits[0]) for w in workers]
    r.client.approve_assignment(AssignmentId=asgs[0])
    for i in range(3):
        r.client.send_bonus(WorkerId=workers[0].worker_id, AssignmentId=asgs[0], BonusAmount="0.10",
                            Reason=f"thanks {i}")
    for h in hits:
        r.client.update_expiration_for_hit(HITId=h, ExpireAt=0)
    return r, hits, asgs


EVERY_PAGE = [(2, True), (1, True), (0, False)]


def test_mephisto_lists_outstanding_hits(listed):
    r, hits, _ = listed
    got, sizes = mephisto_get_outstanding_hits(r.client)
    assert [h["HITId"] for h in got] == hits
    assert sizes == [2, 1, 0]


def test_every_non_empty_page_carries_a_next_token(listed):
    r, hits, asgs = listed
    c = r.client
    assert walk(c.list_hits) == EVERY_PAGE
    assert walk(c.list_reviewable_hits) == EVERY_PAGE
    assert walk(c.list_assignments_for_hit, HITId=hits[0]) == EVERY_PAGE
    assert walk(c.list_bonus_payments, HITId=hits[0]) == EVERY_PAGE
    assert walk(c.list_bonus_payments, AssignmentId=asgs[0]) == EVERY_PAGE
    # One page holding everything has a NextToken too; the listing ends on the empty page after it.
    whole = c.list_hits()
    assert whole["NumResults"] == 3 and whole["NextToken"]
    end = c.list_hits(NextToken=whole["NextToken"])
    assert (end["NumResults"], end["HITs"], "NextToken" in end) == (0, [], False)
    # An empty listing is one page without a NextToken.
    none = c.list_bonus_payments(HITId=hits[1])
    assert (none["NumResults"], "NextToken" in none) == (0, False)


def test_boto3_paginators_stop_on_the_empty_page(listed):
    r, hits, asgs = listed
    c = r.client
    assert paginate(c, "list_hits") == [2, 1, 0]
    assert paginate(c, "list_reviewable_hits") == [2, 1, 0]
    assert paginate(c, "list_assignments_for_hit", HITId=hits[0]) == [2, 1, 0]
    assert paginate(c, "list_bonus_payments", AssignmentId=asgs[0]) == [2, 1, 0]
    items = c.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": MAX}).build_full_result()
    assert [h["HITId"] for h in items["HITs"]] == hits


def test_turk_error_codes_are_spelled_as_mturk_spells_them(requester):
    c = requester.client
    # `HIT` here, unlike `HitAlreadyExists`; clients compare the exact string.
    with request_error("HITDoesNotExist", "Hit 3NOSUCHHIT00000000000000000000 does not exist.") as ei:
        c.get_hit(HITId="3NOSUCHHIT00000000000000000000")
    assert ei.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.HITDoesNotExist"
    with request_error("HITDoesNotExist"):
        c.list_assignments_for_hit(HITId="3NOSUCHHIT00000000000000000000")
    with request_error("AssignmentDoesNotExist"):
        c.get_assignment(AssignmentId="3NOSUCHASG00000000000000000000")
    requester.create_hit(UniqueRequestToken="compat-tok-1")
    with request_error("HitAlreadyExists"):
        requester.create_hit(UniqueRequestToken="compat-tok-1")
    with request_error("InvalidHITState"):
        c.delete_hit(HITId=requester.create_hit()["HITId"])


def test_an_expired_hit_reports_the_slots_never_taken(server):
    r = server.create_requester()
    untouched = r.create_hit(MaxAssignments=3, LifetimeInSeconds=60)["HITId"]
    worked = r.create_hit(MaxAssignments=3, LifetimeInSeconds=60)
    server.create_worker().work(worked["HITId"])
    server.advance(61)

    # How Mephisto tells an expired HIT from a finished one: Reviewable with slots available.
    h = r.get_hit(untouched)
    assert (h["HITStatus"], h["NumberOfAssignmentsAvailable"], h["NumberOfAssignmentsPending"],
            h["NumberOfAssignmentsCompleted"]) == ("Reviewable", 3, 0, 0)
    h = r.get_hit(worked["HITId"])
    assert (h["HITStatus"], h["NumberOfAssignmentsAvailable"]) == ("Reviewable", 2)
    reviewable = r.client.list_reviewable_hits()["HITs"]
    assert sorted(x["NumberOfAssignmentsAvailable"] for x in reviewable) == [2, 3]

    # Still closed: nothing is held for those slots, the books balance, and workers neither see
    # nor accept it.
    assert r.balance() == ("10000.00", "0.60")  # only the submitted assignment's 0.50 + 0.10
    p = server.ledger_verify()
    assert p.returncode == 0, p.stdout + p.stderr
    w = server.create_worker()
    assert worked["HITGroupId"] not in [g["HITGroupId"] for g in w.groups()["HITGroups"]]
    assert w.call("POST", f"/hits/{untouched}/accept").status_code == 409
    assert w.call("POST", f"/hit-groups/{worked['HITGroupId']}/accept").status_code == 409
    assert r.get_hit(untouched)["NumberOfAssignmentsAvailable"] == 3

    # Extending it opens the same slots again, and they are held again.
    r.client.update_expiration_for_hit(HITId=untouched, ExpireAt=server.now() + 3600)
    h = r.get_hit(untouched)
    assert (h["HITStatus"], h["NumberOfAssignmentsAvailable"]) == ("Assignable", 3)
    assert r.balance() == ("10000.00", "2.40")
