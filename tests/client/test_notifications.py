"""HIT event notifications through boto3: UpdateNotificationSettings, SendTestEventNotification,
their errors, and one SQS delivery to a real moto server (scripts/moto-server) read back with
boto3's SQS client. (Every event type, SNS, email, retries, kill -9 and replicas are tested in
crates/openturk/tests/notifications.rs.)"""

from __future__ import annotations

import json
import socket
import subprocess
import time

import boto3
import pytest
import requests

from conftest import HTML_QUESTION, ROOT, Server, hit_type_params, request_error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto():
    port = _free_port()
    proc = subprocess.Popen([str(ROOT / "scripts" / "moto-server"), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # the first start installs moto[server]
    while True:
        try:
            if requests.get(url + "/moto-api/data.json", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("moto did not start")
        time.sleep(0.1)
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def aws_server(moto):
    """A server whose deliverer sends to moto."""
    s = Server(tag="notify", config=f"""
[aws]
region = "us-east-1"
access_key_id = "testing"
secret_access_key = "testing"
sqs_endpoint = "{moto}"
sns_endpoint = "{moto}"
""")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sqs(moto):
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=moto,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _receive(sqs, queue_url: str, n: int) -> list[dict]:
    docs = []
    deadline = time.monotonic() + 20
    while len(docs) < n and time.monotonic() < deadline:
        r = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            docs.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return docs


def _spec(destination: str, transport: str = "SQS", events=("AssignmentAccepted",), version="2014-08-15"):
    return {"Destination": destination, "Transport": transport, "Version": version, "EventTypes": list(events)}


def test_update_settings_and_deliver_to_sqs(aws_server, sqs):
    mturk = aws_server.default.client
    queue_url = sqs.create_queue(QueueName="boto3-events")["QueueUrl"]
    hit_type = mturk.create_hit_type(**hit_type_params())["HITTypeId"]
    r = mturk.update_notification_settings(
        HITTypeId=hit_type, Notification=_spec(queue_url, events=["HITCreated", "AssignmentAccepted"]), Active=True)
    assert set(r) == {"ResponseMetadata"}, r  # an empty body
    hit = mturk.create_hit_with_hit_type(HITTypeId=hit_type, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]
    assignment = aws_server.create_worker().accept(hit["HITId"])["AssignmentId"]
    docs = _receive(sqs, queue_url, 2)
    events = [e for d in docs for e in d["Events"]]
    assert events[0]["EventType"] == "HITCreated"
    assert (events[0]["HITTypeId"], events[0]["HITId"]) == (hit_type, hit["HITId"])
    doc = docs[0]
    assert set(doc) == {"EventDocId", "SourceAccount", "CustomerId", "EventDocVersion", "Events"}
    assert doc["EventDocVersion"] == "2014-08-15"
    assert set(events[0]) == {"EventType", "EventTimestamp", "HITTypeId", "HITId"}
    assert events[1]["EventType"] == "AssignmentAccepted" and events[1]["AssignmentId"] == assignment
    # The CLI shows the delivery.
    out = aws_server.cli("notifications", "list", "--hit-type", hit_type).stdout
    lines = out.splitlines()[1:]
    assert len(lines) == 2 and all("sqs" in l and "Sent" in l and queue_url in l for l in lines), out

    # Active False: nothing more is sent; Active True alone turns it back on.
    mturk.update_notification_settings(HITTypeId=hit_type, Active=False)
    mturk.create_hit_with_hit_type(HITTypeId=hit_type, LifetimeInSeconds=3600, Question=HTML_QUESTION)
    mturk.update_notification_settings(HITTypeId=hit_type, Active=True)
    h3 = mturk.create_hit_with_hit_type(HITTypeId=hit_type, LifetimeInSeconds=3600, Question=HTML_QUESTION)["HIT"]
    docs = _receive(sqs, queue_url, 1)
    assert [e["HITId"] for d in docs for e in d["Events"]] == [h3["HITId"]]


def test_send_test_event_notification(aws_server, sqs):
    mturk = aws_server.default.client
    queue_url = sqs.create_queue(QueueName="boto3-ping")["QueueUrl"]
    r = mturk.send_test_event_notification(Notification=_spec(queue_url, events=["Ping"]), TestEventType="Ping")
    assert set(r) == {"ResponseMetadata"}, r
    [doc] = _receive(sqs, queue_url, 1)
    assert doc["CustomerId"] and doc["EventDocId"]
    assert [e["EventType"] for e in doc["Events"]] == ["Ping"]


def test_errors(aws_server):
    mturk = aws_server.default.client
    hit_type = mturk.create_hit_type(**hit_type_params(Title="errors"))["HITTypeId"]
    queue = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
    with request_error("HITTypeDoesNotExist", "NOSUCHTYPE"):
        mturk.update_notification_settings(HITTypeId="NOSUCHTYPE", Notification=_spec(queue))
    with request_error("InvalidParameterValue", "has no notification specification"):
        mturk.update_notification_settings(HITTypeId=hit_type, Active=True)
    with request_error("InvalidTransportEndpoint", "not an SNS topic ARN"):
        mturk.update_notification_settings(HITTypeId=hit_type, Notification=_spec(queue, transport="SNS"))
    with request_error("InvalidTransportEndpoint", "not an SQS queue URL"):
        mturk.update_notification_settings(
            HITTypeId=hit_type, Notification=_spec("arn:aws:sns:us-east-1:123456789012:t"))
    with request_error("InvalidTransportEndpoint", "not an email address"):
        mturk.update_notification_settings(HITTypeId=hit_type, Notification=_spec("x", transport="Email"))
    with request_error("InvalidParameterValue", "SendTestEventNotification"):
        mturk.update_notification_settings(HITTypeId=hit_type, Notification=_spec(queue, events=["Ping"]))
    with request_error("InvalidParameterValue", "2006-05-05"):
        mturk.update_notification_settings(HITTypeId=hit_type, Notification=_spec(queue, version="1.0"))
    with request_error("InvalidParameterValue", "Notification or Active"):
        mturk.update_notification_settings(HITTypeId=hit_type)
    other = aws_server.create_requester()
    with request_error("HITTypeDoesNotExist", hit_type):
        other.client.update_notification_settings(HITTypeId=hit_type, Notification=_spec(queue))
    with request_error("InvalidTransportEndpoint"):
        mturk.send_test_event_notification(Notification=_spec("nobody", transport="Email"), TestEventType="Ping")
    # Nothing of the refused calls was queued.
    assert aws_server.cli("notifications", "list", "--hit-type", hit_type).stdout.count("\n") == 1
