"""A QuestionForm with a FileUploadAnswer in the browser: the work page's file input, a file
too big (stopped by the page before it is sent), a file too small (the form comes back with the
server's error and asks for the file again), then an upload that the requester downloads with
GetFileUploadURL, byte for byte."""

from __future__ import annotations

import requests

from conftest import assert_accessible, screenshots, sign_in_by_keyboard

FORM = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd">
  <Overview><Title>Send us a sample</Title></Overview>
  <Question><QuestionIdentifier>sample</QuestionIdentifier><DisplayName>Sample file</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Upload a sample of 20 to 2,000 bytes.</Text></QuestionContent>
    <AnswerSpecification><FileUploadAnswer>
      <MaxFileSizeInBytes>2000</MaxFileSizeInBytes><MinFileSizeInBytes>20</MinFileSizeInBytes>
    </FileUploadAnswer></AnswerSpecification></Question>
  <Question><QuestionIdentifier>comment</QuestionIdentifier><DisplayName>Comment</DisplayName>
    <QuestionContent><Text>A comment</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>
</QuestionForm>"""


def test_a_file_is_uploaded_from_the_work_page(page, server, tmp_path):
    hit = server.default.create_hit(Title="Sample upload", Question=FORM)
    worker = server.create_worker()
    sign_in_by_keyboard(page, server, worker.username)
    page.goto(f"{server.url}/hits/{hit['HITId']}/preview")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept & Work").click()
    aid = page.url.split("/work/")[1].split("?")[0]
    assert page.get_by_text("A file of 20 to 2,000 bytes.").is_visible()
    assert_accessible(page)

    # Too big: the page stops it before it is sent, with the browser's own validation message.
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 3000)
    file_input = page.get_by_label("Your file")
    file_input.set_input_files(str(big))
    page.get_by_role("button", name="Submit").click()
    assert "/work/" in page.url and page.get_by_text("A file of 20 to 2,000 bytes.").is_visible()
    message = file_input.evaluate("e => e.validationMessage")
    assert message == "The file must be at most 2000 bytes (3000 bytes given); choose a different file.", message
    assert file_input.evaluate("e => e.matches(':invalid')")

    small = tmp_path / "small.txt"
    small.write_bytes(b"too short")
    page.get_by_label("Your file").set_input_files(str(small))
    page.locator('input[name="comment"]').fill("first try")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    assert page.get_by_text("The file must be at least 20 bytes (9 bytes given)").first.is_visible()
    assert page.get_by_text("Choose your file again").is_visible()
    assert page.locator('input[name="comment"]').input_value() == "first try"
    assert_accessible(page)
    screenshots(page, "file-upload-error")

    content = bytes(range(256)) * 3
    sample = tmp_path / "sample.bin"
    sample.write_bytes(content)
    page.get_by_label("Your file").set_input_files(str(sample))
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    assert "submitted" in page.locator("h1").inner_text()

    mturk = server.default.client
    answer = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]["Answer"]
    assert f"<UploadedFileSizeInBytes>{len(content)}</UploadedFileSizeInBytes>" in answer
    assert "<FreeText>first try</FreeText>" in answer
    url = mturk.get_file_upload_url(AssignmentId=aid, QuestionIdentifier="sample")["FileUploadURL"]
    assert requests.get(url, timeout=30).content == content
