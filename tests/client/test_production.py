"""Production mode: prepaid balances, holds, fees, payments, and books that balance."""

import pytest

import subprocess

import requests

from conftest import BIN, Server, _env, external_question, hit_params, hit_type_params, request_error, unique


@pytest.fixture(scope="module")
def prod():
    s = Server(production=True, tag="prod")
    yield s
    s.stop()


def funded(prod, amount: str):
    r = prod.create_requester()
    if amount != "0.00":
        out = prod.cli("requester", "deposit", r.name, amount).stdout
        assert f"deposited {amount} to {r.name}" in out, out
    return r


def bal(r):
    b = r.client.get_account_balance()
    return b["AvailableBalance"], b["OnHoldBalance"]


def test_balance_starts_at_zero(prod):
    assert bal(prod.default) == ("0.00", "0.00")
    assert bal(prod.create_requester()) == ("0.00", "0.00")


def test_create_hit_refused_without_funds(prod):
    r = prod.create_requester()
    with request_error("InsufficientFunds", "0.60") as ei:
        r.client.create_hit(**hit_params(Reward="0.50"))
    assert "insufficient funds" in ei.value.response["Error"]["Message"].lower()
    assert r.client.list_hits()["NumResults"] == 0
    assert bal(r) == ("0.00", "0.00")
    # A HIT type costs nothing.
    assert r.client.create_hit_type(**hit_type_params())["HITTypeId"]


def test_create_hit_refused_when_funds_fall_short(prod):
    r = funded(prod, "100.00")
    with request_error("InsufficientFunds", "140.00", "100.00"):
        r.client.create_hit(**hit_params(Reward="10.00", MaxAssignments=10))
    assert r.client.list_hits()["NumResults"] == 0
    assert bal(r) == ("100.00", "0.00")


def test_deposit_shows_in_the_balance_and_requester_list(prod):
    r = funded(prod, "25.50")
    assert bal(r) == ("25.50", "0.00")
    out = prod.cli("requester", "deposit", r.name, "4.50").stdout
    assert "available 30.00" in out, out
    assert bal(r) == ("30.00", "0.00")
    listing = prod.cli("requester", "list").stdout
    line = next(l for l in listing.splitlines() if l.startswith(r.name + " "))
    assert "30.00" in line and r.key_id in line


def test_deposit_errors(prod):
    for args in (("requester", "deposit", unique("nobody"), "1.00"),
                 ("requester", "deposit", "default", "abc"),
                 ("requester", "deposit", "default", "0.00"),
                 ("requester", "deposit", "default", "-5.00")):
        p = prod.cli(*args, check=False)
        assert p.returncode != 0, (args, p.stdout)
        assert p.stderr.strip(), args
    assert bal(prod.default)[0] == "0.00"


@pytest.mark.parametrize(
    "reward,max_assignments,hold",
    [
        ("1.00", 3, "3.60"),     # 20% fee
        ("0.25", 10, "3.50"),    # 10 or more assignments: 40%
        ("1.29", 10, "18.10"),   # 51.6 cents -> 52
        ("0.13", 9, "1.44"),     # 2.6 cents -> 3
        ("0.37", 1, "0.44"),     # 7.4 cents -> 7
        ("0.38", 1, "0.46"),     # 7.6 cents -> 8
        ("0.01", 1, "0.02"),     # minimum fee 0.01
        ("0.03", 1, "0.04"),     # 0.6 cents -> minimum 0.01
        ("0.05", 12, "0.84"),    # 2 cents at 40%
        ("0.00", 2, "0.02"),     # a free HIT still pays the minimum fee
    ],
)
def test_create_hit_holds_reward_plus_fee(prod, reward, max_assignments, hold):
    r = funded(prod, "100.00")
    hit = r.create_hit(Reward=reward, MaxAssignments=max_assignments)
    avail, on_hold = bal(r)
    assert on_hold == hold
    assert avail == f"{100 - float(hold):.2f}"
    assert r.get_hit(hit["HITId"])["Reward"] == f"{float(reward):.2f}"


def test_expire_releases_the_hold(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00", MaxAssignments=2)["HITId"]
    assert bal(r) == ("7.60", "2.40")
    r.client.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    assert bal(r) == ("10.00", "0.00")
    # Extending it again holds again.
    r.client.update_expiration_for_hit(HITId=hit, ExpireAt=prod.now() + 3600)
    assert bal(r) == ("7.60", "2.40")


def test_expire_keeps_the_hold_of_work_in_progress(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00", MaxAssignments=2)["HITId"]
    w = prod.create_worker()
    a = w.accept(hit)["AssignmentId"]
    r.client.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    assert bal(r) == ("8.80", "1.20")
    w.return_(a)
    assert bal(r) == ("10.00", "0.00")


def test_approve_pays_worker_and_fee(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00", MaxAssignments=2)["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    assert bal(r) == ("7.60", "2.40")
    assert w.me()["Earnings"]["Pending"] == "1.00"
    r.client.approve_assignment(AssignmentId=a)
    assert bal(r) == ("7.60", "1.20")
    me = w.me()
    assert me["Earnings"]["Approved"] == "1.00" and me["Earnings"]["Available"] == "1.00"
    r.client.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    assert bal(r) == ("8.80", "0.00")  # spent 1.00 reward + 0.20 fee


def test_reject_releases_the_hold(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    assert bal(r) == ("8.80", "1.20")
    r.client.reject_assignment(AssignmentId=a, RequesterFeedback="no")
    assert bal(r) == ("10.00", "0.00")
    assert w.me()["Earnings"]["Available"] == "0.00"


def test_override_rejection_pays_from_the_balance(prod):
    r = funded(prod, "1.20")
    hit = r.create_hit(Reward="1.00")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    r.client.reject_assignment(AssignmentId=a, RequesterFeedback="no")
    assert bal(r) == ("1.20", "0.00")
    r.client.approve_assignment(AssignmentId=a, OverrideRejection=True)
    assert bal(r) == ("0.00", "0.00")
    assert w.me()["Earnings"]["Available"] == "1.00"


def test_override_rejection_without_funds_fails_cleanly(prod):
    r = funded(prod, "1.20")
    hit = r.create_hit(Reward="1.00")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    r.client.reject_assignment(AssignmentId=a, RequesterFeedback="no")
    r.create_hit(Reward="0.50")  # spends 0.60 of the 1.20 given back
    assert bal(r) == ("0.60", "0.60")
    with request_error("InsufficientFunds"):
        r.client.approve_assignment(AssignmentId=a, OverrideRejection=True)
    assert r.client.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"] == "Rejected"
    assert bal(r) == ("0.60", "0.60")
    assert w.me()["Earnings"]["Available"] == "0.00"


def test_additional_assignments_hold_more_or_are_refused(prod):
    r = funded(prod, "2.40")
    hit = r.create_hit(Reward="1.00")["HITId"]
    r.client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1)
    assert bal(r) == ("0.00", "2.40")
    with request_error("InsufficientFunds"):
        r.client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1)
    assert r.get_hit(hit)["MaxAssignments"] == 2
    assert bal(r) == ("0.00", "2.40")


@pytest.mark.parametrize("bonus,cost", [("1.00", "1.20"), ("2.50", "3.00"), ("0.01", "0.02"), ("0.03", "0.04"),
                                        ("0.38", "0.46")])
def test_send_bonus_costs_bonus_plus_fee(prod, bonus, cost):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="0.10")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    r.client.approve_assignment(AssignmentId=a)
    before = float(bal(r)[0])
    r.client.send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount=bonus, Reason="thanks")
    assert bal(r)[0] == f"{before - float(cost):.2f}"
    me = w.me()
    assert me["Earnings"]["Bonuses"] == bonus
    assert me["Earnings"]["Available"] == f"{0.10 + float(bonus):.2f}"


def test_send_bonus_without_funds_fails_cleanly(prod):
    r = funded(prod, "0.60")
    hit = r.create_hit(Reward="0.50")["HITId"]
    w = prod.create_worker()
    a = w.work(hit)
    r.client.approve_assignment(AssignmentId=a)
    assert bal(r) == ("0.00", "0.00")
    token = unique("bonus-")
    with request_error("InsufficientFunds", "0.60"):
        r.client.send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount="0.50", Reason="r",
                            UniqueRequestToken=token)
    assert r.client.list_bonus_payments(AssignmentId=a)["NumResults"] == 0
    assert w.me()["Earnings"]["Bonuses"] == "0.00"
    assert bal(r) == ("0.00", "0.00")
    # A bonus covered but for its fee is refused too.
    prod.cli("requester", "deposit", r.name, "0.50")
    with request_error("InsufficientFunds"):
        r.client.send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount="0.50", Reason="r",
                            UniqueRequestToken=token)
    # The failed calls did not use up the token.
    prod.cli("requester", "deposit", r.name, "0.10")
    r.client.send_bonus(WorkerId=w.worker_id, AssignmentId=a, BonusAmount="0.50", Reason="r", UniqueRequestToken=token)
    assert bal(r) == ("0.00", "0.00")
    assert w.me()["Earnings"]["Bonuses"] == "0.50"


def test_loopback_external_question_refused_in_production(prod):
    r = funded(prod, "5.00")
    with request_error("XMLParseError", "https"):
        r.client.create_hit(**hit_params(Question=external_question("http://127.0.0.1:8000/task")))
    assert r.create_hit(Question=external_question("https://tasks.example.org/x"))["HITStatus"] == "Assignable"


def test_production_database_is_not_served_in_sandbox_mode(prod):
    p = prod.cli("migrate", check=True)
    assert p.returncode == 0
    flags = [f for f in prod.flags if f != "--production"]

    def run(*args, **env):
        return subprocess.run([BIN, *flags, *args], capture_output=True, text=True, env={**_env(), **env},
                              cwd=prod.dir, timeout=60)

    # Without a mode setting, admin commands use the database's mode.
    r = prod.create_requester()
    q = run("requester", "deposit", r.name, "1.00")
    assert q.returncode == 0, q.stderr
    assert f"deposited 1.00 to {r.name}" in q.stdout
    assert bal(r) == ("1.00", "0.00")
    # A sandbox setting that contradicts it is refused.
    q = run("requester", "list", OPENTURK_MODE="sandbox")
    assert q.returncode != 0
    assert "production" in q.stderr and "sandbox" in q.stderr


def test_production_mode_refuses_the_test_clock(prod):
    """The test clock would let anyone who reaches the server move the time that payments
    depend on: a production database is not served with it, whether the mode is set or not."""
    for flags in (prod.flags, [f for f in prod.flags if f != "--production"]):
        q = subprocess.run([BIN, *flags, "serve", "--listen", "127.0.0.1:0"], capture_output=True, text=True,
                           env={**_env(), "OPENTURK_TEST_CLOCK": "1"}, cwd=prod.dir, timeout=60)
        assert q.returncode != 0
        assert "test clock" in q.stderr and "production mode" in q.stderr, q.stderr
    assert requests.post(prod.url + "/_openturk/test/clock", json={"AdvanceSeconds": 1}, timeout=10).status_code == 404


def test_update_hit_type_of_hit_moves_the_hold(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="1.00", MaxAssignments=2)["HITId"]
    assert bal(r) == ("7.60", "2.40")
    dearer = r.client.create_hit_type(**hit_type_params(Reward="2.00"))["HITTypeId"]
    r.client.update_hit_type_of_hit(HITId=hit, HITTypeId=dearer)
    assert bal(r) == ("5.20", "4.80")
    cheaper = r.client.create_hit_type(**hit_type_params(Reward="0.50"))["HITTypeId"]
    r.client.update_hit_type_of_hit(HITId=hit, HITTypeId=cheaper)
    assert bal(r) == ("8.80", "1.20")
    dearest = r.client.create_hit_type(**hit_type_params(Reward="9.00"))["HITTypeId"]
    with request_error("InsufficientFunds"):
        r.client.update_hit_type_of_hit(HITId=hit, HITTypeId=dearest)
    got = r.get_hit(hit)
    assert got["HITTypeId"] == cheaper and got["Reward"] == "0.50"
    assert bal(r) == ("8.80", "1.20")


def test_extending_a_large_batch_keeps_its_fee(prod):
    r = funded(prod, "10.00")
    hit = r.create_hit(Reward="0.25", MaxAssignments=10)["HITId"]
    assert bal(r) == ("6.50", "3.50")
    r.client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=5)
    assert bal(r) == ("4.75", "5.25")


def test_extending_an_expired_hit_needs_funds(prod):
    r = funded(prod, "1.20")
    hit = r.create_hit(Reward="1.00")["HITId"]
    r.client.update_expiration_for_hit(HITId=hit, ExpireAt=0)
    r.create_hit(Reward="0.50")  # leaves 0.60 available
    assert bal(r) == ("0.60", "0.60")
    with request_error("InsufficientFunds"):
        r.client.update_expiration_for_hit(HITId=hit, ExpireAt=prod.now() + 3600)
    h = r.get_hit(hit)
    assert h["HITStatus"] == "Reviewable" and h["NumberOfAssignmentsAvailable"] == 1
    assert bal(r) == ("0.60", "0.60")


def test_ledger_verifies_after_everything(prod):
    p = prod.ledger_verify()
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ledger OK" in p.stdout
