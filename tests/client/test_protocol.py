"""The wire: authentication, key rights, isolation between requesters, framing errors, request
IDs, the AWS CLI, and the test clock switch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import (
    HTML_QUESTION,
    JSON_11,
    MSG_TIME,
    Server,
    aws_error,
    hit_params,
    hit_type_params,
    request_error,
    unique,
)

NOHIT = "3NOSUCHHIT00000000000000000000"


def error_body(r: requests.Response) -> dict:
    assert r.headers["content-type"].startswith(JSON_11), r.headers
    return r.json()


def assert_request_id(r: requests.Response) -> str:
    rid = r.headers.get("x-amzn-RequestId")
    assert rid, dict(r.headers)
    return rid


# ----- isolation -----


def test_requesters_cannot_see_each_others_work(server):
    a, b = server.create_requester(), server.create_requester()
    hit = a.create_hit(MaxAssignments=2)["HITId"]
    w = server.create_worker()
    asg = w.work(hit)
    for call in (
        lambda: b.client.get_hit(HITId=hit),
        lambda: b.client.update_expiration_for_hit(HITId=hit, ExpireAt=0),
        lambda: b.client.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1),
        lambda: b.client.delete_hit(HITId=hit),
        lambda: b.client.list_assignments_for_hit(HITId=hit),
        lambda: b.client.list_bonus_payments(HITId=hit),
    ):
        with request_error("HITDoesNotExist", hit):
            call()
    for call in (
        lambda: b.client.get_assignment(AssignmentId=asg),
        lambda: b.client.approve_assignment(AssignmentId=asg),
        lambda: b.client.reject_assignment(AssignmentId=asg, RequesterFeedback="no"),
        lambda: b.client.send_bonus(WorkerId=w.worker_id, AssignmentId=asg, BonusAmount="1.00", Reason="x"),
        lambda: b.client.list_bonus_payments(AssignmentId=asg),
    ):
        with request_error("AssignmentDoesNotExist", asg):
            call()
    type_id = a.get_hit(hit)["HITTypeId"]
    with request_error("HITDoesNotExist", hit):
        b.client.update_hit_type_of_hit(HITId=hit, HITTypeId=b.client.create_hit_type(**hit_type_params())["HITTypeId"])
    with request_error("HITTypeDoesNotExist", type_id):
        b.client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=60, Question=HTML_QUESTION)
    assert b.client.list_hits()["NumResults"] == 0
    assert b.client.list_reviewable_hits()["NumResults"] == 0
    # Nothing changed for the owner.
    h = a.get_hit(hit)
    assert h["HITStatus"] == "Assignable" and h["MaxAssignments"] == 2
    assert a.client.get_assignment(AssignmentId=asg)["Assignment"]["AssignmentStatus"] == "Submitted"


def test_second_key_of_a_requester_sees_the_same_account(server):
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    k = server.add_key(r.name)
    assert k["key_id"] != r.key_id
    c = server.client(k["key_id"], k["secret"])
    assert [h["HITId"] for h in c.list_hits()["HITs"]] == [hit]
    c.create_hit(**hit_params())
    assert r.client.list_hits()["NumResults"] == 2


# ----- key rights -----


def test_read_only_key_may_get_and_list_only(server):
    r = server.create_requester()
    hit = r.create_hit()["HITId"]
    k = server.add_key(r.name, read_only=True)
    ro = server.client(k["key_id"], k["secret"])
    assert ro.get_account_balance()["AvailableBalance"] == "10000.00"
    assert [h["HITId"] for h in ro.list_hits()["HITs"]] == [hit]
    assert ro.get_hit(HITId=hit)["HIT"]["HITId"] == hit
    assert ro.list_reviewable_hits()["NumResults"] == 0
    assert ro.list_assignments_for_hit(HITId=hit)["NumResults"] == 0
    assert ro.list_bonus_payments(HITId=hit)["NumResults"] == 0
    with aws_error("AccessDeniedException", k["key_id"], "CreateHIT") as ei:
        ro.create_hit(**hit_params())
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    for call in (
        lambda: ro.create_hit_type(**hit_type_params()),
        lambda: ro.update_expiration_for_hit(HITId=hit, ExpireAt=0),
        lambda: ro.create_additional_assignments_for_hit(HITId=hit, NumberOfAdditionalAssignments=1),
        lambda: ro.delete_hit(HITId=hit),
        lambda: ro.approve_assignment(AssignmentId="3NOSUCHASSIGNMENT0000000000000"),
    ):
        with pytest.raises(ClientError) as ei:
            call()
        assert ei.value.response["Error"]["Code"] == "AccessDeniedException"
    assert r.client.list_hits()["NumResults"] == 1
    h = r.get_hit(hit)
    assert h["HITStatus"] == "Assignable" and h["MaxAssignments"] == 1


# ----- authentication -----


def test_bad_secret_is_invalid_signature(server, requester):
    c = server.client(requester.key_id, requester.secret[:-1] + ("A" if requester.secret[-1] != "A" else "B"))
    with pytest.raises(ClientError) as ei:
        c.get_account_balance()
    r = ei.value.response
    assert r["Error"]["Code"] == "InvalidSignatureException"
    assert r["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    assert r["ResponseMetadata"]["RequestId"]


def test_unknown_key_is_unrecognized_client(server):
    c = server.client("AKIANOSUCHKEY0000000", "x" * 40)
    with aws_error("UnrecognizedClientException", "AKIANOSUCHKEY0000000") as ei:
        c.list_hits()
    assert ei.value.response["ResponseMetadata"]["RequestId"]


def test_unsigned_request_is_refused(server):
    r = requests.post(server.url + "/", data=b"{}",
                      headers={"Content-Type": JSON_11, "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"},
                      timeout=30)
    assert r.status_code in (400, 403)
    body = error_body(r)
    assert body["__type"].endswith("MissingAuthenticationTokenException"), body
    assert_request_id(r)


def test_tampered_body_is_invalid_signature(server, requester):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps({"HITId": NOHIT})
    req = AWSRequest(method="POST", url=server.url + "/", data=body,
                     headers={"Content-Type": JSON_11, "X-Amz-Target": "MTurkRequesterServiceV20170117.GetHIT"})
    SigV4Auth(Credentials(requester.key_id, requester.secret), "mturk-requester", "us-east-1").add_auth(req)
    r = requests.post(server.url + "/", data=body.replace("3NO", "4NO"), headers=dict(req.headers.items()), timeout=30)
    assert r.status_code in (400, 403)
    assert error_body(r)["__type"].endswith("InvalidSignatureException")


def test_old_signature_is_refused(server, requester):
    r = requester.signed_post("{}", extra_headers={})
    assert r.status_code == 200
    # A request dated an hour ago (by the wall clock) is refused.
    import datetime as dt
    from unittest import mock

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    past = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)
    req = AWSRequest(method="POST", url=server.url + "/", data=b"{}",
                     headers={"Content-Type": JSON_11,
                              "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"})
    with mock.patch("botocore.auth.get_current_datetime", return_value=past):
        SigV4Auth(Credentials(requester.key_id, requester.secret), "mturk-requester", "us-east-1").add_auth(req)
    assert req.headers["X-Amz-Date"].startswith(past.strftime("%Y%m%dT%H"))
    r = requests.post(server.url + "/", data=b"{}", headers=dict(req.headers.items()), timeout=30)
    assert r.status_code in (400, 403), r.text
    assert "expired" in error_body(r)["message"].lower()


def test_signatures_are_checked_against_the_wall_clock_not_the_test_clock(fresh_server):
    r = fresh_server.default
    hit = r.create_hit(LifetimeInSeconds=30 * 86400)["HITId"]
    fresh_server.advance(3 * 86400)
    assert r.client.get_hit(HITId=hit)["HIT"]["HITStatus"] == "Assignable"
    assert r.client.get_account_balance()["AvailableBalance"] == "10000.00"


# ----- framing -----


def test_unknown_operation(requester):
    r = requester.signed_post("{}", target="MTurkRequesterServiceV20170117.MakeMeASandwich")
    assert r.status_code == 400
    body = error_body(r)
    assert body["__type"].endswith("UnknownOperationException"), body
    assert "MakeMeASandwich" in body["message"]
    assert_request_id(r)


def test_missing_target(requester):
    r = requester.signed_post("{}", target=None)
    assert r.status_code == 400
    body = error_body(r)
    assert "X-Amz-Target" in body["message"], body
    assert_request_id(r)


def test_wrong_content_type(requester):
    r = requester.signed_post("{}", content_type="application/json")
    assert r.status_code == 400
    body = error_body(r)
    assert "application/x-amz-json-1.1" in body["message"] and "application/json" in body["message"], body
    assert_request_id(r)


def test_malformed_json(requester):
    r = requester.signed_post('{"HITId": ', target="GetHIT")
    assert r.status_code == 400
    body = error_body(r)
    assert body["__type"].endswith("SerializationException"), body
    assert "JSON" in body["message"]
    assert_request_id(r)


def test_json_that_is_not_an_object(requester):
    r = requester.signed_post("[1, 2]", target="GetHIT")
    assert r.status_code == 400
    assert_request_id(r)
    assert "__type" in error_body(r)


def test_wrong_field_type_is_a_request_error(requester):
    r = requester.signed_post(json.dumps({"HITId": 42}), target="GetHIT")
    assert r.status_code == 400
    body = error_body(r)
    assert body["__type"].endswith("RequestError"), body
    assert "HITId" in body["Message"]
    assert MSG_TIME.search(body["Message"]), body
    assert body["TurkErrorCode"].startswith("AWS.MechanicalTurk.")


def test_missing_required_field_names_it(requester):
    r = requester.signed_post("{}", target="GetHIT")
    assert r.status_code == 400
    body = error_body(r)
    assert body["__type"].endswith("RequestError"), body
    assert "HITId" in body["Message"]
    assert MSG_TIME.search(body["Message"]), body


def test_oversize_body(requester):
    body = json.dumps({"HITId": "x" * (600 * 1024)})
    r = requester.signed_post(body, target="GetHIT")
    assert r.status_code == 400, r.status_code
    b = error_body(r)
    assert "larger than" in b["message"], b
    assert_request_id(r)


def test_every_response_has_a_request_id(server, requester):
    ok = requester.signed_post("{}")
    assert ok.status_code == 200
    bad = requester.signed_post(json.dumps({"HITId": NOHIT}), target="GetHIT")
    assert bad.status_code == 400
    assert error_body(bad)["TurkErrorCode"] == "AWS.MechanicalTurk.HITDoesNotExist"
    unknown_key = server.signed_post("AKIANOSUCHKEY0000000", "x" * 40, "{}")
    ids = [assert_request_id(x) for x in (ok, bad, unknown_key)]
    assert len(set(ids)) == 3
    # boto3 reports it too, on success and on error.
    assert requester.client.list_hits()["ResponseMetadata"]["RequestId"]
    with pytest.raises(ClientError) as ei:
        requester.client.get_hit(HITId=NOHIT)
    assert ei.value.response["ResponseMetadata"]["RequestId"]


def test_get_root_answers_for_browsers(server):
    r = requests.get(server.url + "/", timeout=30)
    assert r.status_code == 200
    assert "OpenTurk" in r.text


def test_error_message_time_is_the_server_time(server, requester):
    now = server.now_ms()
    with pytest.raises(ClientError) as ei:
        requester.client.get_hit(HITId=NOHIT)
    m = MSG_TIME.search(ei.value.response["Error"]["Message"])
    assert int(m.group(1)) == now


# ----- AWS CLI -----


def aws_cli(server, *args):
    aws = Path(sys.executable).with_name("aws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(server.credentials_file), AWS_CONFIG_FILE=os.devnull,
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    return subprocess.run([str(aws), "mturk", *args, "--endpoint-url", server.url, "--region", "us-east-1",
                           "--output", "json"], capture_output=True, text=True, env=env, timeout=120)


def test_aws_cli_get_account_balance(server):
    p = aws_cli(server, "get-account-balance")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"AvailableBalance": "10000.00", "OnHoldBalance": "0.00"}


def test_aws_cli_error(server):
    p = aws_cli(server, "get-hit", "--hit-id", NOHIT)
    assert p.returncode != 0
    assert "RequestError" in p.stderr and NOHIT in p.stderr, p.stderr


def test_aws_cli_create_and_list(server):
    r = server.create_requester()
    # The CLI takes the default profile: use the new requester's keys through the environment.
    aws = Path(sys.executable).with_name("aws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=r.key_id, AWS_SECRET_ACCESS_KEY=r.secret, AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
    base = [str(aws), "mturk", "--endpoint-url", server.url, "--region", "us-east-1", "--output", "json"]
    from conftest import HTML_QUESTION
    p = subprocess.run(base + ["create-hit", "--title", "CLI HIT", "--description", "made by the CLI",
                               "--reward", "0.05", "--lifetime-in-seconds", "600",
                               "--assignment-duration-in-seconds", "60", "--question", HTML_QUESTION],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    hit = json.loads(p.stdout)["HIT"]
    assert hit["Title"] == "CLI HIT" and hit["Reward"] == "0.05"
    p = subprocess.run(base + ["list-hits"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert [h["HITId"] for h in json.loads(p.stdout)["HITs"]] == [hit["HITId"]]


# ----- the test clock switch -----


def test_test_clock_env_accepts_1():
    """The documented switch is OPENTURK_TEST_CLOCK=1."""
    s = None
    try:
        s = Server(tag="clock1", test_clock_env="1")
        before = s.now_ms()
        assert s.advance(60) == before + 60_000
    finally:
        if s:
            s.stop()


def test_clock_advance_reports_the_new_time(server):
    before = server.now_ms()
    assert server.advance(1) == before + 1000
    assert server.now_ms() == before + 1000


# ----- admin commands -----


def test_requester_admin_command_errors(server):
    r = server.create_requester()
    p = server.cli("requester", "create", r.name, check=False)
    assert p.returncode != 0 and r.name in p.stderr
    p = server.cli("requester", "create", "bad name!", check=False)
    assert p.returncode != 0 and "bad name!" in p.stderr
    p = server.cli("requester", "key", unique("nobody"), check=False)
    assert p.returncode != 0
    listing = server.cli("requester", "list").stdout
    line = next(l for l in listing.splitlines() if l.startswith(r.name + " "))
    assert r.key_id in line and "10000.00" in line
    ro = server.add_key(r.name, read_only=True)
    listing = server.cli("requester", "list").stdout
    assert f"{ro['key_id']} (read-only)" in listing
