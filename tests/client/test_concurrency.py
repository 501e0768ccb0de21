"""Races between clients, on a production-mode server so that the money must add up too."""

import threading

import pytest
import requests

from conftest import Server, check_request_error, hit_params, unique


@pytest.fixture(scope="module")
def prod():
    s = Server(production=True, tag="race")
    yield s
    s.stop()


def funded(prod, amount="100.00"):
    r = prod.create_requester()
    prod.cli("requester", "deposit", r.name, amount)
    return r


def race(n, fn):
    """Runs fn(i) in n threads released at once; returns what each returned or raised."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def go(i):
        barrier.wait()
        try:
            out[i] = ("ok", fn(i))
        except Exception as e:  # noqa: BLE001
            out[i] = ("err", e)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def bal(r):
    b = r.client.get_account_balance()
    return b["AvailableBalance"], b["OnHoldBalance"]


def test_workers_racing_for_the_last_slot(prod):
    r = funded(prod)
    hit = r.create_hit(Reward="1.00", MaxAssignments=1)["HITId"]
    workers = [prod.create_worker() for _ in range(8)]
    out = race(8, lambda i: workers[i].call("POST", f"/hits/{hit}/accept"))
    codes = sorted(resp.status_code for _, resp in out)
    assert codes == [201] + [409] * 7, [(resp.status_code, resp.text) for _, resp in out]
    h = r.get_hit(hit)
    assert (h["NumberOfAssignmentsPending"], h["NumberOfAssignmentsAvailable"]) == (1, 0)
    assert bal(r) == ("98.80", "1.20")


def test_one_worker_accepting_twice_at_once(prod):
    r = funded(prod)
    hit = r.create_hit(Reward="1.00", MaxAssignments=5)["HITId"]
    w = prod.create_worker()
    sessions = [requests.Session() for _ in range(6)]
    out = race(6, lambda i: sessions[i].post(f"{prod.worker_url}/hits/{hit}/accept", headers=w.auth, timeout=60))
    codes = sorted(resp.status_code for _, resp in out)
    assert codes == [201] + [409] * 5, [(resp.status_code, resp.text) for _, resp in out]
    assert r.get_hit(hit)["NumberOfAssignmentsPending"] == 1
    assert len(w.assignments(Status="Accepted")["Assignments"]) == 1


def test_group_accepts_at_once_fill_each_hit_once(prod):
    r = funded(prod)
    title = unique("race group ")
    hits = [r.create_hit(Title=title, Reward="0.10", MaxAssignments=2)["HITId"] for _ in range(3)]
    group = r.get_hit(hits[0])["HITGroupId"]
    workers = [prod.create_worker() for _ in range(8)]
    out = race(8, lambda i: workers[i].call("POST", f"/hit-groups/{group}/accept"))
    got = [resp for _, resp in out if resp.status_code == 201]
    assert len(got) == 6, [(resp.status_code, resp.text) for _, resp in out]
    assert all(resp.status_code == 409 for _, resp in out if resp.status_code != 201)
    per_hit = {}
    for resp in got:
        per_hit[resp.json()["HITId"]] = per_hit.get(resp.json()["HITId"], 0) + 1
    assert per_hit == {h: 2 for h in hits}


def test_concurrent_approvals_pay_once(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    clients = [prod.client(r.key_id, r.secret) for _ in range(6)]
    out = race(6, lambda i: clients[i].approve_assignment(AssignmentId=a))
    assert sum(1 for k, _ in out if k == "ok") == 1, out
    for k, e in out:
        if k == "err":
            check_request_error(e, "InvalidAssignmentState")
    assert w.me()["Earnings"]["Available"] == "1.00"
    assert bal(r) == ("8.80", "0.00")


def test_approve_and_reject_at_once(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    clients = [prod.client(r.key_id, r.secret) for _ in range(6)]

    def act(i):
        if i % 2:
            return clients[i].approve_assignment(AssignmentId=a)
        return clients[i].reject_assignment(AssignmentId=a, RequesterFeedback="no")

    out = race(6, act)
    assert sum(1 for k, _ in out if k == "ok") == 1, out
    status = r.client.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"]
    if status == "Approved":
        assert w.me()["Earnings"]["Available"] == "1.00" and bal(r) == ("8.80", "0.00")
    else:
        assert status == "Rejected"
        assert w.me()["Earnings"]["Available"] == "0.00" and bal(r) == ("10.00", "0.00")


def test_concurrent_bonuses_with_one_token_pay_once(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="0.10")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    token = unique("race-bonus-")
    clients = [prod.client(r.key_id, r.secret) for _ in range(8)]
    out = race(8, lambda i: clients[i].send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount="1.00",
                                                  Reason="r", UniqueRequestToken=token))
    assert sum(1 for k, _ in out if k == "ok") == 1, out
    for k, e in out:
        if k == "err":
            check_request_error(e, "DuplicateRequest", token)
    assert r.client.list_bonus_payments(AssignmentId=a)["NumResults"] == 1
    assert w.me()["Earnings"]["Bonuses"] == "1.00"
    assert bal(r)[0] == f"{10 - 0.12 - 1.20:.2f}"


def test_concurrent_bonuses_cannot_overdraw(prod):
    r = funded(prod, "0.12")
    hit = r.create_hit(Reward="0.10")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    r.client.approve_assignment(AssignmentId=a)
    prod.cli("requester", "deposit", r.name, "3.60")  # three bonuses of 1.00 + 0.20
    clients = [prod.client(r.key_id, r.secret) for _ in range(8)]
    out = race(8, lambda i: clients[i].send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount="1.00",
                                                  Reason=f"r{i}"))
    assert sum(1 for k, _ in out if k == "ok") == 3, out
    for k, e in out:
        if k == "err":
            check_request_error(e, "InsufficientFunds")
    assert bal(r) == ("0.00", "0.00")
    assert w.me()["Earnings"]["Bonuses"] == "3.00"


def test_concurrent_hits_cannot_overdraw(prod):
    r = funded(prod, "3.60")
    clients = [prod.client(r.key_id, r.secret) for _ in range(8)]
    out = race(8, lambda i: clients[i].create_hit(**hit_params(Reward="1.00")))
    assert sum(1 for k, _ in out if k == "ok") == 3, out
    for k, e in out:
        if k == "err":
            check_request_error(e, "InsufficientFunds")
    assert bal(r) == ("0.00", "3.60")
    assert r.client.list_hits()["NumResults"] == 3


def test_concurrent_extensions_with_one_token_extend_once(prod):
    r = funded(prod)
    hit = r.create_hit(Reward="0.10", MaxAssignments=2)["HITId"]
    token = unique("race-ext-")
    clients = [prod.client(r.key_id, r.secret) for _ in range(6)]
    out = race(6, lambda i: clients[i].create_additional_assignments_for_hit(
        HITId=hit, NumberOfAdditionalAssignments=3, UniqueRequestToken=token))
    assert sum(1 for k, _ in out if k == "ok") == 1, out
    assert r.get_hit(hit)["MaxAssignments"] == 5


def test_concurrent_submits_of_one_assignment(prod):
    r = funded(prod)
    hit = r.create_hit(Reward="0.10")["HITId"]
    w = prod.create_worker()
    a = w.accept(hit)["AssignmentId"]
    sessions = [requests.Session() for _ in range(6)]
    out = race(6, lambda i: sessions[i].post(f"{prod.worker_url}/assignments/{a}/submit", headers=w.auth,
                                             json={"Answers": {"n": str(i)}}, timeout=60))
    codes = sorted(resp.status_code for _, resp in out)
    assert codes == [200] + [409] * 5, [(resp.status_code, resp.text) for _, resp in out]
    assert r.client.list_assignments_for_hit(HITId=hit)["NumResults"] == 1


def test_ledger_verifies_after_the_races(prod):
    p = prod.ledger_verify()
    assert p.returncode == 0, p.stdout + p.stderr
