"""HIT layouts through boto3: a layout made with `openturk layout create`, then CreateHIT and
CreateHITWithHITType with HITLayoutId and HITLayoutParameters, and the task a worker gets."""

import html
import re

import pytest
import requests

from conftest import hit_params, hit_type_params, request_error, unique

TEMPLATE = """<!DOCTYPE html>
<html><body>
<h1>${title}</h1>
<img src="${image_url}" alt="${title}">
<form method="post" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId"><input name="label">
</form>
</body></html>
"""

NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"


def create_layout(server, requester, template=TEMPLATE, by_key=False) -> tuple[str, str]:
    """Runs `openturk layout create` on the server's data; returns (HITLayoutId, its output)."""
    path = server.dir / f"{unique('layout')}.html"
    path.write_text(template)
    owner = ["--access-key", requester.key_id] if by_key else ["--requester", requester.name]
    out = server.cli("layout", "create", *owner, "--name", "Image tagging", "--file", str(path)).stdout
    m = re.search(r"^HITLayoutId: ([A-Z0-9]{30})$", out, re.M)
    assert m, out
    return m.group(1), out


def params(**values):
    return [{"Name": k, "Value": v} for k, v in values.items()]


def layout_hit(layout_id, **values):
    return hit_params(Question=None, HITLayoutId=layout_id, HITLayoutParameters=params(**values))


@pytest.fixture(scope="module")
def layout_id(server, requester):
    return create_layout(server, requester)[0]


def test_the_cli_prints_the_id_and_the_placeholders(server, requester):
    layout_id, out = create_layout(server, requester, by_key=True)
    assert "Parameters: title, image_url" in out
    shown = server.cli("layout", "show", layout_id).stdout
    assert "Name: Image tagging" in shown and shown.endswith("Template:\n" + TEMPLATE)
    assert layout_id in server.cli("layout", "list", "--requester", requester.name).stdout
    bad = server.dir / "bad.html"
    bad.write_text("<p>${not ok}</p>")
    p = server.cli("layout", "create", "--requester", requester.name, "--name", "x", "--file", str(bad),
                   check=False)
    assert p.returncode != 0 and "`${not ok}` is not a placeholder" in p.stderr, p.stderr


def test_create_hit_with_a_layout_returns_the_rendered_html_question(requester, mturk, layout_id):
    hit = mturk.create_hit(**layout_hit(layout_id, title='A "cat" & <co>', image_url="https://example.com/c.png"))["HIT"]
    assert hit["HITLayoutId"] == layout_id
    got = requester.get_hit(hit["HITId"])
    assert got["HITLayoutId"] == layout_id
    html = TEMPLATE.replace("${title}", "A &quot;cat&quot; &amp; &lt;co&gt;").replace(
        "${image_url}", "https://example.com/c.png")
    assert got["Question"] == (
        f'<HTMLQuestion xmlns="{NS}"><HTMLContent><![CDATA[{html}]]></HTMLContent>'
        "<FrameHeight>0</FrameHeight></HTMLQuestion>"
    )
    # A HIT made with a Question has no HITLayoutId.
    assert "HITLayoutId" not in requester.create_hit()


def test_create_hit_with_hit_type_and_a_layout(mturk, layout_id):
    ty = mturk.create_hit_type(**hit_type_params())["HITTypeId"]
    hit = mturk.create_hit_with_hit_type(
        HITTypeId=ty, LifetimeInSeconds=600, HITLayoutId=layout_id,
        HITLayoutParameters=params(title="dog", image_url="https://example.com/d.png"),
    )["HIT"]
    assert (hit["HITTypeId"], hit["HITLayoutId"]) == (ty, layout_id)
    assert "<h1>dog</h1>" in hit["Question"]
    with request_error("InvalidParameterValue", "Missing parameter names: image_url"):
        mturk.create_hit_with_hit_type(HITTypeId=ty, LifetimeInSeconds=600, HITLayoutId=layout_id,
                                       HITLayoutParameters=params(title="dog"))


def test_parameters_must_match_the_layout(mturk, layout_id):
    with request_error(
        "InvalidParameterValue",
        "Your request is missing required parameters. Required parameters include HITLayoutParameter. "
        "You have not provided all required HITLayout parameters. Missing parameter names: image_url",
    ):
        mturk.create_hit(**layout_hit(layout_id, title="t"))
    with request_error("InvalidParameterValue", "Missing parameter names: title, image_url"):
        mturk.create_hit(**hit_params(Question=None, HITLayoutId=layout_id))
    with request_error("InvalidParameterValue", f"HITLayoutParameter names not used in HITLayout {layout_id}: extra."):
        mturk.create_hit(**layout_hit(layout_id, title="t", image_url="u", extra="x"))
    twice = params(title="t", image_url="u") + params(title="again")
    with request_error("InvalidParameterValue", "HITLayoutParameter title is given more than once"):
        mturk.create_hit(**hit_params(Question=None, HITLayoutId=layout_id, HITLayoutParameters=twice))


def test_question_or_layout_but_not_both_and_only_ones_own(server, mturk, layout_id):
    with request_error("InvalidParameterValue", "Either a Question parameter or a HITLayoutId parameter must be "
                       "provided, but not both."):
        mturk.create_hit(**hit_params(HITLayoutId=layout_id, HITLayoutParameters=params(title="t", image_url="u")))
    with request_error("InvalidParameterValue", "Either a Question parameter or a HITLayoutId parameter must be "
                       "provided."):
        mturk.create_hit(**hit_params(Question=None))
    other = server.create_requester()
    with request_error("HITLayoutDoesNotExist", f"HITLayout {layout_id} does not exist."):
        other.client.create_hit(**layout_hit(layout_id, title="t", image_url="u"))
    with request_error("HITLayoutDoesNotExist", "HITLayout 3NOSUCHLAYOUT00000000000000000 does not exist."):
        mturk.create_hit(**layout_hit("3NOSUCHLAYOUT00000000000000000", title="t", image_url="u"))


def test_workers_get_the_escaped_task_from_the_task_origin(server, mturk, layout_id):
    hit = mturk.create_hit(**layout_hit(layout_id, title="<script>alert(1)</script>", image_url="u"))["HIT"]
    w = server.create_worker()
    preview = w.call("GET", f"/hits/{hit['HITId']}").json()
    assert preview["Question"] == hit["Question"]
    # The site's preview page frames the task; its URL (with the task link) is on the task origin.
    port = server.url.rsplit(":", 1)[1]
    page = requests.get(f"{server.url}/hits/{hit['HITId']}/preview", cookies={"openturk_session": w.token},
                        timeout=30)
    assert page.status_code == 200, page.text
    src = html.unescape(re.search(r'<iframe class="task" src="([^"]+)"', page.text).group(1))
    task_origin = f"http://localhost:{port}"
    assert src.startswith(f"{task_origin}/task/{hit['HITId']}?") and "taskLink=" in src, src
    r = requests.get(server.url + src[len(task_origin):], headers={"Host": f"localhost:{port}"}, timeout=30)
    assert r.status_code == 200, r.text
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in r.text and "<script>alert" not in r.text
    assert f'action="{server.url}/mturk/externalSubmit"' in r.text
    aid = w.accept(hit["HITId"])["AssignmentId"]
    r = requests.post(server.url + "/mturk/externalSubmit", data={"assignmentId": aid, "label": "a cat"}, timeout=30)
    assert r.status_code == 200, r.text
    answer = mturk.get_assignment(AssignmentId=aid)["Assignment"]["Answer"]
    assert "<QuestionIdentifier>label</QuestionIdentifier>" in answer and "a cat" in answer
