"""Worker blocks and NotifyWorkers through boto3: CreateWorkerBlock, DeleteWorkerBlock,
ListWorkerBlocks (with boto3's paginator), NotifyWorkers with its failure statuses, and the
worker's inbox on the worker API. (Email delivery over SMTP is tested in
crates/openturk/tests/notify.rs, against a real SMTP server.)"""

from conftest import ok, request_error, unique


def test_block_list_unblock(server, mturk):
    workers = [server.create_worker() for _ in range(3)]
    for i, w in enumerate(workers):
        r = mturk.create_worker_block(WorkerId=w.worker_id, Reason=f"reason {i}")
        assert set(r) == {"ResponseMetadata"}, r  # an empty body
    # The paginator follows NextToken and stops on the empty page.
    pages = list(mturk.get_paginator("list_worker_blocks").paginate(PaginationConfig={"PageSize": 2}))
    blocks = [b for p in pages for b in p["WorkerBlocks"]]
    mine = {w.worker_id for w in workers}
    got = [(b["WorkerId"], b["Reason"]) for b in blocks if b["WorkerId"] in mine]
    assert got == [(w.worker_id, f"reason {i}") for i, w in enumerate(workers)]
    assert all("NextToken" in p for p in pages if p["WorkerBlocks"])
    assert pages[-1]["WorkerBlocks"] == [] and "NextToken" not in pages[-1]
    assert all(p["NumResults"] == len(p["WorkerBlocks"]) for p in pages)

    mturk.delete_worker_block(WorkerId=workers[1].worker_id, Reason="appealed")
    # Not blocked any more: still a success, as MTurk says.
    mturk.delete_worker_block(WorkerId=workers[1].worker_id)
    left = {b["WorkerId"] for b in mturk.list_worker_blocks(MaxResults=100)["WorkerBlocks"]}
    assert workers[1].worker_id not in left and workers[0].worker_id in left


def test_block_errors(server, requester):
    w = server.create_worker()
    with request_error("InvalidParameterValue", "WorkerId is invalid."):
        requester.client.create_worker_block(WorkerId="A0NOSUCHWORKER", Reason="x")
    with request_error("InvalidParameterValue", "WorkerId is invalid."):
        requester.client.delete_worker_block(WorkerId="nope")
    # boto3 refuses a CreateWorkerBlock without Reason before sending; the server does too.
    with request_error(None, "Reason"):
        requester.raw.create_worker_block(WorkerId=w.worker_id)
    with request_error("InvalidParameterValue", "Reason is required"):
        requester.client.create_worker_block(WorkerId=w.worker_id, Reason="  ")
    with request_error("InvalidParameterValue", "MaxResults"):
        requester.raw.list_worker_blocks(MaxResults=0)


def test_notify_workers(server, requester):
    mturk = requester.client
    hit = requester.create_hit()
    done = server.create_worker()
    done.call("PUT", "/me/email", json={"Email": f"{done.username}@example.org"})
    mturk.approve_assignment(AssignmentId=done.work(hit["HITId"]))
    stranger = server.create_worker()

    r = mturk.notify_workers(Subject="Thanks", MessageText="More HITs soon.",
                             WorkerIds=[done.worker_id, stranger.worker_id, "junk"])
    failures = {f["WorkerId"]: (f["NotifyWorkersFailureCode"], f["NotifyWorkersFailureMessage"])
                for f in r["NotifyWorkersFailureStatuses"]}
    assert set(failures) == {stranger.worker_id, "junk"}
    assert failures["junk"] == ("HardFailure", "WorkerId is invalid.")
    assert failures[stranger.worker_id][0] == "HardFailure"
    assert "approved or rejected" in failures[stranger.worker_id][1]

    inbox = ok(done.call("GET", "/messages"))
    assert inbox["UnreadCount"] == 1
    m = inbox["Messages"][0]
    assert (m["Subject"], m["MessageText"], m["RequesterName"]) == ("Thanks", "More HITs soon.", requester.name)
    ok(done.call("POST", f"/messages/{m['MessageId']}/read"), 204)
    assert ok(done.call("GET", "/messages"))["UnreadCount"] == 0
    assert ok(stranger.call("GET", "/messages"))["Messages"] == []
    # This server has no SMTP server configured: nothing is queued for email.
    assert server.cli("outbox", "list").stdout.count("\n") == 1  # the header line only


def test_notify_workers_limits(requester):
    mturk = requester.client
    with request_error("InvalidParameterValue", "Subject"):
        mturk.notify_workers(Subject="s" * 201, MessageText="m", WorkerIds=["A1"])
    with request_error("InvalidParameterValue", "MessageText"):
        mturk.notify_workers(Subject="s", MessageText="m" * 4097, WorkerIds=["A1"])
    with request_error("InvalidParameterValue", "up to 100 Workers"):
        mturk.notify_workers(Subject="s", MessageText="m", WorkerIds=[unique("A")] * 101)
    with request_error("InvalidParameterValue", "up to 100 Workers"):
        mturk.notify_workers(Subject="s", MessageText="m", WorkerIds=[])
