"""FileUploadAnswer through boto3 and the worker API: a worker uploads a file with a multipart
submit (as `requests`/curl send it), the requester reads the answer document's size and key with
ListAssignmentsForHIT, downloads the exact bytes from GetFileUploadURL's link, which expires after
60 seconds by the server's clock, and the file is deleted when the HIT is disposed of."""

import time
import xml.etree.ElementTree as ET

import requests

from conftest import request_error, worker_error

ANSWERS_NS = "{http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd}"

FORM = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>report</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Upload your report.</Text></QuestionContent>
    <AnswerSpecification>
      <FileUploadAnswer><MaxFileSizeInBytes>5000</MaxFileSizeInBytes><MinFileSizeInBytes>10</MinFileSizeInBytes></FileUploadAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>note</QuestionIdentifier>
    <QuestionContent><Text>Anything to add?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>"""


def upload(worker, assignment_id, files, data=None):
    return worker.call("POST", f"/assignments/{assignment_id}/submit", files=files, data=data or {})


def answer_fields(xml):
    out = {}
    for a in ET.fromstring(xml).findall(f"{ANSWERS_NS}Answer"):
        qid = a.find(f"{ANSWERS_NS}QuestionIdentifier").text
        out[qid] = {child.tag.replace(ANSWERS_NS, ""): child.text for child in a if "QuestionIdentifier" not in child.tag}
    return out


def test_upload_answer_document_download_expiry_and_disposal(server, requester, mturk):
    hit = requester.create_hit(Question=FORM, AutoApprovalDelayInSeconds=3600)
    w = server.create_worker()
    aid = w.accept(hit["HITId"])["AssignmentId"]

    # Outside the question's range: refused, naming the question.
    r = upload(w, aid, {"report": ("tiny.txt", b"short")})
    worker_error(r, 422, "InvalidAnswer", "report: The file must be at least 10 bytes (5 bytes given)")
    # Text for a file question is no file.
    r = w.call("POST", f"/assignments/{aid}/submit", json={"Answers": {"report": ["10", "KEY"]}})
    worker_error(r, 422, "InvalidAnswer", "send the file itself")

    content = bytes(range(256)) * 8 + b"<script>alert(1)</script>"
    r = upload(w, aid, {"report": ("report.pdf", content, "application/pdf")}, {"note": "see attached"})
    assert r.status_code == 200, r.text
    assert r.json()["AssignmentStatus"] == "Submitted"

    a = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]
    answers = answer_fields(a["Answer"])
    assert answers["note"] == {"FreeText": "see attached"}
    assert answers["report"]["UploadedFileSizeInBytes"] == str(len(content))
    key = answers["report"]["UploadedFileKey"]
    assert key and len(key) == 32

    url = mturk.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="report")["FileUploadURL"]
    got = requests.get(url, timeout=30)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"

    # 60 seconds by the server's clock.
    server.advance(61)
    assert requests.get(url, timeout=30).status_code == 404
    assert requests.get(mturk.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="report")["FileUploadURL"],
                        timeout=30).content == content

    with request_error("InvalidParameterValue", "no uploaded file for QuestionIdentifier 'note'"):
        mturk.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="note")
    other = server.create_requester()
    with request_error("AssignmentDoesNotExist", aid):
        other.client.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="report")

    # Disposed of: no URL, and the file leaves the store.
    stored = server.dir / "blobs" / "uploads" / key
    assert stored.exists(), stored
    mturk.approve_assignment(AssignmentId=aid)
    mturk.delete_hit(HITId=hit["HITId"])
    with request_error("AssignmentDoesNotExist"):
        mturk.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="report")
    deadline = time.time() + 10
    while stored.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert not stored.exists(), "the file is deleted after disposal"
