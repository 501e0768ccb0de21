"""CreateHIT, CreateHITType, CreateHITWithHITType and UniqueRequestToken, through boto3."""

import re
import threading

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from conftest import (
    HTML_QUESTION,
    check_request_error,
    external_question,
    hit_params,
    hit_type_params,
    question_form,
    request_error,
    ts,
    unique,
)

ID30 = re.compile(r"[A-Z0-9]{30}")


# ----- success -----


def test_create_hit_html_question_returns_the_full_hit(server, requester):
    now = server.now()
    hit = requester.create_hit(
        MaxAssignments=3,
        AutoApprovalDelayInSeconds=3600,
        RequesterAnnotation="batch-7",
        LifetimeInSeconds=7200,
        AssignmentDurationInSeconds=300,
        Keywords="image, tag",
    )
    assert ID30.fullmatch(hit["HITId"]), hit["HITId"]
    assert ID30.fullmatch(hit["HITTypeId"]), hit["HITTypeId"]
    assert ID30.fullmatch(hit["HITGroupId"]), hit["HITGroupId"]
    assert hit["Title"] == "Tag an image"
    assert hit["Description"] == "Look at an image and tag it"
    assert hit["Keywords"] == "image, tag"
    assert hit["Question"] == HTML_QUESTION
    assert hit["Reward"] == "0.50"
    assert hit["MaxAssignments"] == 3
    assert hit["AutoApprovalDelayInSeconds"] == 3600
    assert hit["AssignmentDurationInSeconds"] == 300
    assert hit["RequesterAnnotation"] == "batch-7"
    assert hit["HITStatus"] == "Assignable"
    assert hit["HITReviewStatus"] == "NotReviewed"
    assert hit["NumberOfAssignmentsAvailable"] == 3
    assert hit["NumberOfAssignmentsPending"] == 0
    assert hit["NumberOfAssignmentsCompleted"] == 0
    assert hit["QualificationRequirements"] == []
    assert ts(hit["CreationTime"]) == pytest.approx(now, abs=1)
    assert ts(hit["Expiration"]) == pytest.approx(ts(hit["CreationTime"]) + 7200, abs=1)
    # GetHIT answers the same.
    got = requester.get_hit(hit["HITId"])
    for k in ("HITId", "HITTypeId", "HITGroupId", "Question", "Reward", "MaxAssignments", "Expiration",
              "CreationTime", "RequesterAnnotation", "HITStatus"):
        assert got[k] == hit[k], k


def test_create_hit_defaults(requester):
    hit = requester.create_hit(Keywords=None)
    assert hit["MaxAssignments"] == 1
    assert hit["AutoApprovalDelayInSeconds"] == 2592000
    assert "RequesterAnnotation" not in hit


def test_create_hit_external_question_https(requester):
    q = external_question("https://tasks.example.org/task?id=1&amp;x=2")
    hit = requester.create_hit(Question=q)
    assert hit["Question"] == q
    assert hit["HITStatus"] == "Assignable"


def test_create_hit_external_question_loopback_http_allowed_in_sandbox(requester):
    for url in ("http://127.0.0.1:9999/task", "http://localhost/task"):
        hit = requester.create_hit(Question=external_question(url))
        assert hit["HITStatus"] == "Assignable"


def test_create_hit_external_question_public_http_refused(requester):
    with request_error("XMLParseError", "http://example.com/task", "https") as ei:
        requester.create_hit(Question=external_question("http://example.com/task"))
    assert "ExternalURL" in ei.value.response["Error"]["Message"]


def test_create_hit_question_form(requester):
    q = question_form()
    hit = requester.create_hit(Question=q)
    assert hit["Question"] == q


def test_create_hit_question_form_script_in_formatted_content_refused(requester):
    with request_error("XMLParseError", "script") as ei:
        requester.create_hit(Question=question_form("<p>hi</p><script>alert(1)</script>"))
    assert "FormattedContent" in ei.value.response["Error"]["Message"]


def test_create_hit_question_form_javascript_url_refused(requester):
    with request_error("XMLParseError", "javascript"):
        requester.create_hit(Question=question_form('<a href="javascript:alert(1)">x</a>'))


def test_create_hit_malformed_xml_refused(requester):
    with request_error("XMLParseError", "line") as ei:
        requester.create_hit(Question="<HTMLQuestion xmlns='x'><HTMLContent>oops</HTMLQuestion>")
    # Nothing was created.
    assert "XML" in ei.value.response["Error"]["Message"]


def test_create_hit_unknown_question_root_refused(requester):
    with request_error("XMLParseError", "Foo"):
        requester.create_hit(Question="<Foo/>")


def test_create_hit_html_question_without_namespace_refused(requester):
    with request_error("XMLParseError"):
        requester.create_hit(Question="<HTMLQuestion><HTMLContent>x</HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>")


def test_create_hit_with_an_unknown_layout_id(requester):
    # Layouts themselves are tested in test_hit_layouts.py.
    p = hit_params(HITLayoutId="3MCDHXBQ4Z7SJ2ZT2XZACNE142JWKX")
    del p["Question"]
    with request_error("HITLayoutDoesNotExist", "HITLayout 3MCDHXBQ4Z7SJ2ZT2XZACNE142JWKX does not exist."):
        requester.client.create_hit(**p)


def test_create_hit_without_question_or_layout(requester):
    p = hit_params()
    del p["Question"]
    with request_error("InvalidParameterValue", "Question"):
        requester.client.create_hit(**p)


def qualification_type(requester):
    """A custom qualification type of the requester's: requirements must name real types."""
    t = requester.client.create_qualification_type(
        Name=unique("qual "), Description="For requirements", QualificationTypeStatus="Active")
    return t["QualificationType"]["QualificationTypeId"]


def test_create_hit_qualification_requirements_round_trip(requester):
    ab, ac = qualification_type(requester), qualification_type(requester)
    reqs = [
        {"QualificationTypeId": "00000000000000000071", "Comparator": "In",
         "LocaleValues": [{"Country": "US"}, {"Country": "CA", "Subdivision": "ON"}]},
        {"QualificationTypeId": "000000000000000000L0", "Comparator": "GreaterThanOrEqualTo",
         "IntegerValues": [95], "ActionsGuarded": "Accept"},
        {"QualificationTypeId": ab, "Comparator": "Exists",
         "RequiredToPreview": True},
        {"QualificationTypeId": ac, "Comparator": "In",
         "IntegerValues": list(range(1, 16))},
    ]
    hit = requester.create_hit(QualificationRequirements=reqs)
    got = requester.get_hit(hit["HITId"])["QualificationRequirements"]
    assert len(got) == 4
    assert got[0]["Comparator"] == "In"
    assert got[0]["LocaleValues"] == [{"Country": "US"}, {"Country": "CA", "Subdivision": "ON"}]
    assert got[1]["IntegerValues"] == [95]
    assert got[1]["ActionsGuarded"] == "Accept"
    assert got[2]["RequiredToPreview"] is True
    assert got[3]["IntegerValues"] == list(range(1, 16))


def test_create_hit_requirement_on_an_unknown_type(requester):
    reqs = [{"QualificationTypeId": "3NOSUCHTYPE000000000000000000", "Comparator": "Exists"}]
    with request_error("InvalidParameterValue", "does not exist"):
        requester.client.create_hit(**hit_params(QualificationRequirements=reqs))


# ----- limits -----


@pytest.mark.parametrize(
    "param,ok_len,bad_len",
    [("Title", 128, 129), ("Description", 2000, 2001), ("Keywords", 1000, 1001)],
)
def test_create_hit_text_limits(requester, param, ok_len, bad_len):
    hit = requester.create_hit(**{param: "x" * ok_len})
    assert hit[param] == "x" * ok_len
    with request_error("InvalidParameterValue", f"'{param}'", str(ok_len)):
        requester.client.create_hit(**hit_params(**{param: "x" * bad_len}))


def test_create_hit_text_limits_count_characters_not_bytes(requester):
    title = "é" * 128  # 256 bytes, 128 characters
    assert requester.create_hit(Title=title)["Title"] == title


def test_create_hit_requester_annotation_limit(requester):
    assert requester.create_hit(RequesterAnnotation="a" * 255)["RequesterAnnotation"] == "a" * 255
    with request_error("InvalidParameterValue", "RequesterAnnotation", "255"):
        requester.client.create_hit(**hit_params(RequesterAnnotation="a" * 256))


def test_create_hit_question_size_limit(requester):
    pad = 65535 - len(HTML_QUESTION.encode())
    q = HTML_QUESTION.replace("<body>", "<body>" + "<!--" + "x" * (pad - 7) + "-->", 1)
    assert len(q.encode()) == 65535
    assert requester.create_hit(Question=q)["Question"] == q
    big = q.replace("<body>", "<body>x", 1)
    assert len(big.encode()) == 65536
    with request_error("InvalidParameterValue", "Question", "65536", "65535"):
        requester.client.create_hit(**hit_params(Question=big))


@pytest.mark.parametrize("param", ["LifetimeInSeconds", "AssignmentDurationInSeconds"])
def test_create_hit_duration_limits(requester, param):
    for good in (30, 31536000):
        hit = requester.create_hit(**{param: good})
        if param == "AssignmentDurationInSeconds":
            assert hit[param] == good
        else:
            assert ts(hit["Expiration"]) - ts(hit["CreationTime"]) == pytest.approx(good, abs=1)
    # boto3 checks only the type of these: 29 and 31536001 reach the server.
    for bad in (29, 31536001):
        with request_error("InvalidParameterValue", param, str(bad), "30", "31536000"):
            requester.client.create_hit(**hit_params(**{param: bad}))


def test_create_hit_auto_approval_delay_limits(requester):
    assert requester.create_hit(AutoApprovalDelayInSeconds=0)["AutoApprovalDelayInSeconds"] == 0
    assert requester.create_hit(AutoApprovalDelayInSeconds=2592000)["AutoApprovalDelayInSeconds"] == 2592000
    with request_error("InvalidParameterValue", "AutoApprovalDelayInSeconds", "2592001"):
        requester.client.create_hit(**hit_params(AutoApprovalDelayInSeconds=2592001))
    with request_error("InvalidParameterValue", "AutoApprovalDelayInSeconds", "-1"):
        requester.client.create_hit(**hit_params(AutoApprovalDelayInSeconds=-1))


def test_create_hit_max_assignments_at_least_one(requester):
    with request_error("InvalidParameterValue", "MaxAssignments", "0"):
        requester.client.create_hit(**hit_params(MaxAssignments=0))
    with request_error("InvalidParameterValue", "MaxAssignments", "-3"):
        requester.client.create_hit(**hit_params(MaxAssignments=-3))


@pytest.mark.parametrize("reward", ["abc", "1.234", "-1.00", ".50", "1,00", "", "1e3", "$1.00"])
def test_create_hit_bad_reward_pattern(requester, reward):
    with request_error("InvalidParameterValue", "Reward", "^[0-9]+(\\.)?[0-9]{0,2}$") as ei:
        requester.client.create_hit(**hit_params(Reward=reward))
    assert f"'{reward}'" in ei.value.response["Error"]["Message"]


@pytest.mark.parametrize("reward,shown", [("1", "1.00"), ("0.5", "0.50"), ("12.34", "12.34"), ("0", "0.00")])
def test_create_hit_reward_is_normalized(requester, reward, shown):
    assert requester.create_hit(Reward=reward)["Reward"] == shown


def test_create_hit_more_than_ten_qualification_requirements(requester):
    reqs = [{"QualificationTypeId": qualification_type(requester), "Comparator": "Exists"} for _ in range(11)]
    with request_error("InvalidParameterValue", "QualificationRequirements", "11", "10"):
        requester.client.create_hit(**hit_params(QualificationRequirements=reqs))
    assert requester.create_hit(QualificationRequirements=reqs[:10])["HITStatus"] == "Assignable"


def test_create_hit_in_comparator_with_16_integer_values(requester):
    reqs = [{"QualificationTypeId": "3QUALX", "Comparator": "In", "IntegerValues": list(range(16))}]
    with request_error("InvalidParameterValue", "QualificationRequirements.1", "In", "16"):
        requester.client.create_hit(**hit_params(QualificationRequirements=reqs))


def test_create_hit_bad_comparator(requester):
    reqs = [{"QualificationTypeId": "3QUALX", "Comparator": "Bigger", "IntegerValues": [1]}]
    with request_error("InvalidParameterValue", "Bigger", "QualificationRequirements.1.Comparator"):
        requester.client.create_hit(**hit_params(QualificationRequirements=reqs))


def test_create_hit_comparator_value_mismatch(requester):
    reqs = [{"QualificationTypeId": "3QUALX", "Comparator": "Exists", "IntegerValues": [1]}]
    with request_error("InvalidParameterValue", "Exists"):
        requester.client.create_hit(**hit_params(QualificationRequirements=reqs))
    reqs = [{"QualificationTypeId": "3QUALX", "Comparator": "GreaterThan", "IntegerValues": [1, 2]}]
    with request_error("InvalidParameterValue", "GreaterThan"):
        requester.client.create_hit(**hit_params(QualificationRequirements=reqs))


def test_create_hit_missing_required_parameter_server_side(requester):
    p = hit_params()
    del p["Title"]
    with request_error("MissingParameter", "Title"):
        requester.raw.create_hit(**p)


def test_create_hit_wrong_type_server_side(requester):
    with request_error("InvalidParameterValue", "LifetimeInSeconds"):
        requester.raw.create_hit(**hit_params(LifetimeInSeconds="soon"))


def test_create_hit_boto3_validates_client_side(requester):
    p = hit_params()
    del p["Title"]
    with pytest.raises(ParamValidationError):
        requester.client.create_hit(**p)


def test_failed_create_hit_creates_nothing(server):
    r = server.create_requester()
    for bad in (dict(Title="x" * 129), dict(Reward="abc"), dict(Question="<nope")):
        with pytest.raises(ClientError):
            r.client.create_hit(**hit_params(**bad))
    assert r.client.list_hits()["NumResults"] == 0


# ----- HIT types -----


def test_create_hit_type_is_idempotent_by_value(requester):
    c = requester.client
    p = hit_type_params(Title=unique("type "), Keywords="a, b", AutoApprovalDelayInSeconds=86400)
    t1 = c.create_hit_type(**p)["HITTypeId"]
    t2 = c.create_hit_type(**p)["HITTypeId"]
    assert ID30.fullmatch(t1)
    assert t1 == t2
    for change in (dict(Reward="0.51"), dict(Title=p["Title"] + "!"), dict(Description="other"),
                   dict(Keywords="a"), dict(AssignmentDurationInSeconds=601), dict(AutoApprovalDelayInSeconds=86401),
                   dict(QualificationRequirements=[{"QualificationTypeId": qualification_type(requester),
                                                    "Comparator": "Exists"}])):
        other = c.create_hit_type(**{**p, **change})["HITTypeId"]
        assert other != t1, change


def test_create_hit_type_same_values_for_another_requester_differ(server, requester):
    p = hit_type_params(Title=unique("type "))
    mine = requester.client.create_hit_type(**p)["HITTypeId"]
    theirs = server.create_requester().client.create_hit_type(**p)["HITTypeId"]
    assert mine != theirs


def test_create_hit_type_validates(requester):
    with request_error("InvalidParameterValue", "Reward"):
        requester.client.create_hit_type(**hit_type_params(Reward="free"))
    with request_error("InvalidParameterValue", "Title"):
        requester.client.create_hit_type(**hit_type_params(Title="t" * 129))
    with request_error("InvalidParameterValue", "AssignmentDurationInSeconds"):
        requester.client.create_hit_type(**hit_type_params(AssignmentDurationInSeconds=10))


def test_create_hit_with_hit_type(requester):
    c = requester.client
    p = hit_type_params(Title=unique("typed "), Reward="0.25", AutoApprovalDelayInSeconds=600, Keywords="k")
    type_id = c.create_hit_type(**p)["HITTypeId"]
    h1 = c.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=3600, Question=HTML_QUESTION,
                                    MaxAssignments=2)["HIT"]
    h2 = c.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, Question=HTML_QUESTION)["HIT"]
    for h in (h1, h2):
        assert h["HITTypeId"] == type_id
        assert h["Title"] == p["Title"]
        assert h["Reward"] == "0.25"
        assert h["AutoApprovalDelayInSeconds"] == 600
        assert h["AssignmentDurationInSeconds"] == 600
        assert h["Keywords"] == "k"
    assert h1["HITId"] != h2["HITId"]
    assert h1["HITGroupId"] == h2["HITGroupId"]
    assert h1["MaxAssignments"] == 2 and h2["MaxAssignments"] == 1
    # CreateHIT with the same values lands in the same type and group.
    h3 = requester.create_hit(**p)
    assert h3["HITTypeId"] == type_id
    assert h3["HITGroupId"] == h1["HITGroupId"]
    # A different type is a different group.
    h4 = requester.create_hit(Title=unique("other "))
    assert h4["HITGroupId"] != h1["HITGroupId"]


def test_create_hit_with_unknown_hit_type(requester):
    with request_error("HITTypeDoesNotExist", "NOSUCHTYPE000000000000000000000"):
        requester.client.create_hit_with_hit_type(HITTypeId="NOSUCHTYPE000000000000000000000",
                                                 LifetimeInSeconds=3600, Question=HTML_QUESTION)


def test_create_hit_with_another_requesters_hit_type(server, requester):
    type_id = server.create_requester().client.create_hit_type(**hit_type_params())["HITTypeId"]
    with request_error("HITTypeDoesNotExist", type_id):
        requester.client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=3600, Question=HTML_QUESTION)


def test_create_hit_with_hit_type_validates_lifetime_and_question(requester):
    type_id = requester.client.create_hit_type(**hit_type_params())["HITTypeId"]
    with request_error("InvalidParameterValue", "LifetimeInSeconds"):
        requester.client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=5, Question=HTML_QUESTION)
    with request_error("XMLParseError"):
        requester.client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=60, Question="<x")


# ----- UniqueRequestToken -----


def test_unique_request_token_repeat_is_hit_already_exists(server):
    r = server.create_requester()
    token = unique("tok-")
    hit = r.create_hit(UniqueRequestToken=token)
    with request_error("HitAlreadyExists", hit["HITId"], token):
        r.client.create_hit(**hit_params(UniqueRequestToken=token))
    # Even with other values, and through CreateHITWithHITType.
    type_id = r.client.create_hit_type(**hit_type_params())["HITTypeId"]
    with request_error("HitAlreadyExists", hit["HITId"]):
        r.client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=60, Question=HTML_QUESTION,
                                          UniqueRequestToken=token)
    hits = r.client.list_hits()["HITs"]
    assert [h["HITId"] for h in hits] == [hit["HITId"]]


def test_unique_request_token_is_per_requester(server):
    token = unique("tok-")
    a, b = server.create_requester(), server.create_requester()
    ha = a.create_hit(UniqueRequestToken=token)
    hb = b.create_hit(UniqueRequestToken=token)
    assert ha["HITId"] != hb["HITId"]


def test_unique_request_token_too_long(requester):
    with request_error("InvalidParameterValue", "UniqueRequestToken", "64"):
        requester.client.create_hit(**hit_params(UniqueRequestToken="t" * 65))


def test_unique_request_token_concurrent_repeats_create_one_hit(server):
    r = server.create_requester()
    token = unique("race-")
    n = 12
    clients = [server.client(r.key_id, r.secret) for _ in range(n)]
    barrier = threading.Barrier(n)
    results = [None] * n

    def go(i):
        barrier.wait()
        try:
            results[i] = ("ok", clients[i].create_hit(**hit_params(UniqueRequestToken=token))["HIT"]["HITId"])
        except ClientError as e:
            results[i] = ("err", e)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    created = [v for k, v in results if k == "ok"]
    assert len(created) == 1, results
    for k, v in results:
        if k == "err":
            check_request_error(v, "HitAlreadyExists", created[0])
    listed = r.client.list_hits()["HITs"]
    assert [h["HITId"] for h in listed] == created


def test_create_hit_question_size_counts_utf8_bytes(requester):
    base = len(HTML_QUESTION.encode())
    n = (65535 - base - len("<!---->".encode())) // 3
    filler = "日" * n  # 3 bytes each
    q = HTML_QUESTION.replace("<body>", "<body><!--" + filler + "-->", 1)
    size = len(q.encode())
    assert 65533 <= size <= 65535
    q = q.replace("<body>", "<body>" + "x" * (65535 - size), 1)
    assert len(q.encode()) == 65535
    assert requester.create_hit(Question=q)["Question"] == q
    # One more byte is refused, though it is far fewer than 65535 characters.
    q2 = q.replace("<body>", "<body>x", 1)
    with request_error("InvalidParameterValue", "Question", "65536"):
        requester.client.create_hit(**hit_params(Question=q2))


def test_create_hit_largest_question_with_heavy_json_escaping(requester):
    # boto3 sends non-ASCII as \\uXXXX escapes: a 64 KiB Question of emoji and quotes becomes a
    # request body of about 200 KB, which a server must still take.
    base = len(HTML_QUESTION.encode())
    unit = '😀"\\'  # 4 + 1 + 1 bytes; 12 + 2 + 2 bytes once JSON-escaped
    n = (65535 - base - 7) // len(unit.encode())
    q = HTML_QUESTION.replace("<body>", "<body><!--" + unit * n + "-->", 1)
    q = q.replace("<body>", "<body>" + "y" * (65535 - len(q.encode())), 1)
    assert len(q.encode()) == 65535
    hit = requester.create_hit(Question=q)
    assert requester.get_hit(hit["HITId"])["Question"] == q


def test_question_form_duplicate_identifier_refused(requester):
    q = question_form().replace("<QuestionIdentifier>comment</QuestionIdentifier>",
                                "<QuestionIdentifier>color</QuestionIdentifier>")
    with request_error("XMLParseError", "color"):
        requester.client.create_hit(**hit_params(Question=q))


def test_external_question_bad_frame_height_refused(requester):
    q = external_question("https://tasks.example.org/x").replace("<FrameHeight>600</FrameHeight>",
                                                                 "<FrameHeight>tall</FrameHeight>")
    with request_error("XMLParseError", "FrameHeight"):
        requester.client.create_hit(**hit_params(Question=q))


def test_external_question_relative_url_refused(requester):
    with request_error("XMLParseError", "ExternalURL"):
        requester.client.create_hit(**hit_params(Question=external_question("/task")))


def test_unique_request_token_is_forgotten_after_24_hours(fresh_server):
    r = fresh_server.default
    token = unique("day-")
    first = r.create_hit(UniqueRequestToken=token, LifetimeInSeconds=7 * 86400)["HITId"]
    fresh_server.advance(86400 - 60)
    with request_error("HitAlreadyExists", first):
        r.client.create_hit(**hit_params(UniqueRequestToken=token))
    fresh_server.advance(120)
    second = r.create_hit(UniqueRequestToken=token)["HITId"]
    assert second != first
