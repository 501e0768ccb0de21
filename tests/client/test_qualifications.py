"""Qualification types, scores and requests through boto3 (and the worker API): the calls and
error texts that tools such as Dallinger, psiTurk and amti depend on."""

import pytest
from botocore.exceptions import ClientError

from conftest import check_request_error, hit_params, ok, request_error, unique, worker_error

MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
SYSTEM_IDS = {MASTERS_SANDBOX, "00000000000000000040", "00000000000000000071", "00000000000000000060",
              "000000000000000000L0"}


def create_type(mturk, name=None, **over):
    params = {"Name": name or unique("qual"), "Description": "A qualification for the client suite",
              "QualificationTypeStatus": "Active"}
    params.update(over)
    return mturk.create_qualification_type(**params)["QualificationType"]


def test_create_type(mturk):
    name = unique("English")
    t = create_type(mturk, name, Keywords="english, writing", RetryDelayInSeconds=600)
    assert t["Name"] == name
    assert t["QualificationTypeStatus"] == "Active"
    assert t["IsRequestable"] is True
    assert t["AutoGranted"] is False
    assert t["RetryDelayInSeconds"] == 600
    assert len(t["QualificationTypeId"]) == 30
    got = mturk.get_qualification_type(QualificationTypeId=t["QualificationTypeId"])["QualificationType"]
    assert got["Keywords"] == "english, writing"
    assert got["CreationTime"] == t["CreationTime"]


def test_duplicate_name_error_text(mturk):
    name = unique("dup")
    create_type(mturk, name)
    with request_error("QualificationTypeAlreadyExists",
                       "You have already created a QualificationType with this name"):
        create_type(mturk, name)


def test_missing_type_does_not_exist(mturk):
    with request_error("QualificationTypeDoesNotExist", "does not exist"):
        mturk.get_qualification_type(QualificationTypeId="3NOSUCHTYPE0000000000000000000")


def test_list_with_upper_cased_query(mturk):
    name = unique("Dallinger Study ")
    t = create_type(mturk, name)
    r = mturk.list_qualification_types(Query=name.upper(), MustBeRequestable=False, MustBeOwnedByCaller=True,
                                       MaxResults=100)
    assert [q["QualificationTypeId"] for q in r["QualificationTypes"]] == [t["QualificationTypeId"]]
    assert r["NumResults"] == 1
    assert "NextToken" in r


def test_system_types_are_listed_unless_owned_or_requestable(mturk):
    seen, token = set(), None
    while True:
        kw = {"NextToken": token} if token else {}
        r = mturk.list_qualification_types(MustBeRequestable=False, MaxResults=2, **kw)
        if not r["QualificationTypes"]:
            assert "NextToken" not in r
            break
        seen |= {q["QualificationTypeId"] for q in r["QualificationTypes"]}
        token = r["NextToken"]
    assert SYSTEM_IDS <= seen
    r = mturk.list_qualification_types(MustBeRequestable=True)
    assert not SYSTEM_IDS & {q["QualificationTypeId"] for q in r["QualificationTypes"]}
    t = mturk.get_qualification_type(QualificationTypeId="000000000000000000L0")["QualificationType"]
    assert t["Name"] == "Worker_PercentAssignmentsApproved" and t["IsRequestable"] is False


def test_associate_and_get_score(server, mturk):
    t = create_type(mturk)["QualificationTypeId"]
    w = server.create_worker()
    mturk.associate_qualification_with_worker(QualificationTypeId=t, WorkerId=w.worker_id, IntegerValue=77,
                                              SendNotification=False)
    q = mturk.get_qualification_score(QualificationTypeId=t, WorkerId=w.worker_id)["Qualification"]
    assert (q["IntegerValue"], q["Status"], q["WorkerId"]) == (77, "Granted", w.worker_id)
    assert "GrantTime" in q
    workers = mturk.list_workers_with_qualification_type(QualificationTypeId=t)["Qualifications"]
    assert [x["WorkerId"] for x in workers] == [w.worker_id]


def test_disassociate_then_get_score_error(server, mturk):
    t = create_type(mturk)["QualificationTypeId"]
    w = server.create_worker()
    with request_error("QualificationDoesNotExist", "does not exist"):
        mturk.get_qualification_score(QualificationTypeId=t, WorkerId=w.worker_id)
    mturk.associate_qualification_with_worker(QualificationTypeId=t, WorkerId=w.worker_id, IntegerValue=1)
    mturk.disassociate_qualification_from_worker(QualificationTypeId=t, WorkerId=w.worker_id, Reason="bye")
    with request_error("InvalidQualificationState", "This operation can be called with a status of: Granted"):
        mturk.get_qualification_score(QualificationTypeId=t, WorkerId=w.worker_id)
    mine = ok(w.call("GET", "/qualifications"))["Qualifications"]
    assert (mine[0]["Status"], mine[0]["RevokeReason"]) == ("Revoked", "bye")


def test_request_accept_reject(server, mturk):
    t = create_type(mturk)["QualificationTypeId"]
    w1, w2 = server.create_worker(), server.create_worker()
    r1 = ok(w1.call("POST", f"/qualification-types/{t}/request"), 201)
    r2 = ok(w2.call("POST", f"/qualification-types/{t}/request"), 201)
    assert r1["Status"] == "Submitted"
    pending = mturk.list_qualification_requests(QualificationTypeId=t)["QualificationRequests"]
    assert {p["WorkerId"] for p in pending} == {w1.worker_id, w2.worker_id}
    mturk.accept_qualification_request(QualificationRequestId=r1["QualificationRequestId"], IntegerValue=5)
    with request_error("InvalidQualificationRequestState", "Submitted"):
        mturk.accept_qualification_request(QualificationRequestId=r1["QualificationRequestId"])
    mturk.reject_qualification_request(QualificationRequestId=r2["QualificationRequestId"], Reason="no")
    assert mturk.get_qualification_score(QualificationTypeId=t, WorkerId=w1.worker_id)["Qualification"][
        "IntegerValue"] == 5
    # No RetryDelayInSeconds: one request only.
    worker_error(w2.call("POST", f"/qualification-types/{t}/request"), 409, "RetakeNotAllowed")


def test_grant_masters_command(server):
    w = server.create_worker()
    out = server.cli("worker", "grant-masters", w.username).stdout
    assert w.worker_id in out and MASTERS_SANDBOX in out
    system = ok(w.call("GET", "/qualifications"))["SystemQualifications"]
    assert {"QualificationTypeId": MASTERS_SANDBOX, "Name": "Masters", "IntegerValue": 1} in system
    server.cli("worker", "revoke-masters", w.worker_id)
    system = ok(w.call("GET", "/qualifications"))["SystemQualifications"]
    assert MASTERS_SANDBOX not in {q["QualificationTypeId"] for q in system}


def test_dallinger_like_flow(server, mturk):
    """What Dallinger's MTurkService does: create a type (or find it by its name in upper case
    after a duplicate error), require its absence on a HIT, grant and increment scores, list the
    workers who have it, revoke, and dispose of the type."""
    name = unique("dallinger-exp-")
    description = "Experiment participation"

    def create_or_find():
        try:
            return mturk.create_qualification_type(Name=name, Description=description,
                                                   QualificationTypeStatus="Active")["QualificationType"]
        except ClientError as ex:
            if "already created a QualificationType with this name" not in str(ex):
                raise
            r = mturk.list_qualification_types(Query=name.upper(), MustBeRequestable=False,
                                               MustBeOwnedByCaller=True, MaxResults=100)
            matches = [t for t in r["QualificationTypes"] if t["Name"].upper() == name.upper()]
            assert len(matches) == 1
            return matches[0]

    qtype = create_or_find()
    assert create_or_find()["QualificationTypeId"] == qtype["QualificationTypeId"]
    qid = qtype["QualificationTypeId"]

    # A HIT that keeps previous participants out, with an approval-rate and locale requirement.
    reqs = [
        {"QualificationTypeId": "000000000000000000L0", "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [95]},
        {"QualificationTypeId": "00000000000000000071", "Comparator": "EqualTo", "LocaleValues": [{"Country": "US"}]},
        {"QualificationTypeId": qid, "Comparator": "DoesNotExist"},
    ]
    hit = mturk.create_hit(**hit_params(QualificationRequirements=reqs))["HIT"]
    listed = mturk.list_hits_for_qualification_type(QualificationTypeId=qid)["HITs"]
    assert [h["HITId"] for h in listed] == [hit["HITId"]]

    def current_score(worker_id):
        try:
            return mturk.get_qualification_score(QualificationTypeId=qid, WorkerId=worker_id)["Qualification"][
                "IntegerValue"]
        except ClientError as ex:
            if "does not exist" in str(ex):
                return None
            if "operation can be called with a status of: Granted" in str(ex):
                return "revoked"
            raise

    workers = [server.create_worker() for _ in range(3)]
    for w in workers:
        assert current_score(w.worker_id) is None
        mturk.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=w.worker_id, IntegerValue=1,
                                                  SendNotification=False)
    # increment_qualification_score
    score = current_score(workers[0].worker_id)
    mturk.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=workers[0].worker_id,
                                              IntegerValue=score + 1, SendNotification=False)
    assert current_score(workers[0].worker_id) == 2

    # get_workers_with_qualification: page until an empty page.
    found, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        r = mturk.list_workers_with_qualification_type(QualificationTypeId=qid, Status="Granted", MaxResults=2, **kw)
        if not r["Qualifications"]:
            break
        found += [(q["WorkerId"], q["IntegerValue"]) for q in r["Qualifications"]]
        token = r.get("NextToken")
        if not token:
            break
    assert sorted(found) == sorted([(workers[0].worker_id, 2), (workers[1].worker_id, 1), (workers[2].worker_id, 1)])

    mturk.disassociate_qualification_from_worker(QualificationTypeId=qid, WorkerId=workers[1].worker_id,
                                                 Reason="revoked by the experiment")
    assert current_score(workers[1].worker_id) == "revoked"

    mturk.delete_qualification_type(QualificationTypeId=qid)
    gone = mturk.get_qualification_type(QualificationTypeId=qid)["QualificationType"]
    assert gone["QualificationTypeStatus"] == "Disposing"
    r = mturk.list_qualification_types(Query=name.upper(), MustBeRequestable=False, MustBeOwnedByCaller=True)
    assert r["QualificationTypes"] == []
    # The name can be used again.
    assert create_or_find()["QualificationTypeId"] != qid


@pytest.mark.parametrize("params, fragment", [
    ({"Test": "<QuestionForm/>"}, "TestDurationInSeconds"),
    ({"AnswerKey": "<AnswerKey/>"}, "AnswerKey"),
    ({"QualificationTypeStatus": "Disposing"}, "QualificationTypeStatus"),
    ({"Description": "d" * 2001}, "Description"),
])
def test_parameter_errors(mturk, params, fragment):
    with pytest.raises(ClientError) as ei:
        create_type(mturk, **params)
    check_request_error(ei.value, "InvalidParameterValue", fragment)


def test_update_type(server, mturk):
    t = create_type(mturk, RetryDelayInSeconds=60)
    tid = t["QualificationTypeId"]
    got = mturk.update_qualification_type(QualificationTypeId=tid, Description="Now for the second study",
                                          QualificationTypeStatus="Inactive", RetryDelayInSeconds=3600)
    u = got["QualificationType"]
    assert (u["Description"], u["QualificationTypeStatus"], u["RetryDelayInSeconds"]) == (
        "Now for the second study", "Inactive", 3600)
    assert u["Name"] == t["Name"], "the name cannot change"
    again = mturk.get_qualification_type(QualificationTypeId=tid)["QualificationType"]
    assert again["QualificationTypeStatus"] == "Inactive"
    # Only the owner may change a type.
    other = server.create_requester().client
    with request_error("PermissionDeniedException", "only the owner of a Qualification type can do this"):
        other.update_qualification_type(QualificationTypeId=tid, Description="mine now")
    # An unknown type does not exist; a deleted one can no longer be changed.
    with request_error("QualificationTypeDoesNotExist", "does not exist"):
        mturk.update_qualification_type(QualificationTypeId="3NOSUCHTYPE0000000000000000000", Description="x")
    mturk.delete_qualification_type(QualificationTypeId=tid)
    with request_error(None, "can be called with a status of"):
        mturk.update_qualification_type(QualificationTypeId=tid, Description="too late")
