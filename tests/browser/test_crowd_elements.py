"""OpenTurk's Crowd HTML Elements (crates/web/assets/crowd-html-elements.js), served by the real
binary at /static/, on task pages served by a tiny local HTTP server of the test's own (another
origin, as task pages are). The spec's two examples (bounding box, sentiment classifier) are used
as given, with only the loader URL pointed at OpenTurk, as the work page rewrites it. The forms
post to the local server's /mturk/externalSubmit (the page's turkSubmitTo), which records what
was posted. Nothing leaves 127.0.0.1: the example image's S3 URL is answered by the test."""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from conftest import ROOT, assert_accessible, screenshots, tab_to

CROWD_JS = ROOT / "crates" / "web" / "assets" / "crowd-html-elements.js"
LOADER = "https://assets.crowd.aws/crowd-html-elements.js"
IMAGE_URL = "https://s3.amazonaws.com/cv-demo-images/basketball-outdoor.jpg"
IMAGE_W, IMAGE_H = 640, 480

# The spec's examples (API Reference, Crowd HTML Elements), as given.
BOUNDING_BOX_EXAMPLE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>

<crowd-form>
  <crowd-bounding-box
    name="annotatedResult"
    labels="['Basketball player', 'Referee']"
    src="https://s3.amazonaws.com/cv-demo-images/basketball-outdoor.jpg"
    header="Draw boxes around each basketball player and referee in this image"
  >
  <full-instructions header="Bounding Box Instructions" >
    <p>Use the bounding box tool to draw boxes around the requested target of
interest:</p>
    <ol>
      <li>Draw a rectangle using your mouse over each instance of the target.</li>
      <li>Make sure the box does not cut into the target, leave a 2 - 3 pixel
margin</li>
      <li>
        When targets are overlapping, draw a box around each object,
        include all contiguous parts of the target in the box.
        Do not include parts that are completely overlapped by another object.
      </li>
      <li>
        Do not include parts of the target that cannot be seen,
        even though you think you can interpolate the whole shape of the target.
      </li>
      <li>Avoid shadows, they're not considered as a part of the target.</li>
      <li>If the target goes off the screen, label up to the edge of the image.</li>
    </ol>
</full-instructions>

<short-instructions>
  Draw boxes around each basketball player and referee in this image.
</short-instructions>
</crowd-bounding-box>
</crowd-form>
"""

SENTIMENT_EXAMPLE = """<!DOCTYPE html>
<html>
  <body>
    <script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
    <crowd-form>
      <crowd-classifier
        name="sentiment"
        categories="['Positive', 'Negative', 'Neutral', 'N/A']"
        header="What sentiment does this text convey?"
      >
        <classification-target>
          Everything is wonderful.
        </classification-target>

        <full-instructions header="Sentiment Analysis Instructions">
          <p><strong>Positive</strong>
            sentiment include: joy, excitement, delight</p>
          <p><strong>Negative</strong> sentiment include:
            anger, sarcasm, anxiety</p>
          <p><strong>Neutral</strong>: neither positive or
            negative, such as stating a fact</p>
          <p><strong>N/A</strong>: when the text cannot be
            understood</p>
          <p>When the sentiment is mixed, such as both joy and sadness,
    use your judgment to choose the stronger emotion.</p>
</full-instructions>

<short-instructions>
  Choose the primary sentiment that is expressed by the text.
</short-instructions>
</crowd-classifier>
</crowd-form>
</body>
</html>
"""

# The other elements, with a plain named input and a requester's own submit button.
OTHER_ELEMENTS = """<!DOCTYPE html>
<html lang="en"><head><title>Other elements</title></head>
<body>
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-alert type="warning" dismissible>Read the instructions first.</crowd-alert>
  <crowd-instructions link-text="View instructions" link-type="button">
    <short-summary><p>Describe the picture.</p></short-summary>
    <detailed-instructions><p>Use full sentences.</p></detailed-instructions>
    <positive-example><p>A dog runs on a beach.</p></positive-example>
    <negative-example><p>dog</p></negative-example>
  </crowd-instructions>
  <crowd-input name="caption" label="Caption" required></crowd-input>
  <crowd-input name="count" label="How many animals?" type="number"></crowd-input>
  <crowd-text-area name="notes" label="Notes" rows="2" char-counter max-length="100"></crowd-text-area>
  <crowd-checkbox name="unclear">The picture is unclear</crowd-checkbox>
  <crowd-radio-group label="Setting">
    <crowd-radio-button name="indoor" value="indoor">Indoor</crowd-radio-button>
    <crowd-radio-button name="outdoor" value="outdoor">Outdoor</crowd-radio-button>
  </crowd-radio-group>
  <label for="plain">Plain input</label> <input id="plain" name="plain" value="kept">
  <crowd-button form-action="submit" variant="primary">Send my answers</crowd-button>
</crowd-form>
<script>
  // As MTurk requesters validate: a submit listener on the crowd-form that may refuse.
  document.querySelector("crowd-form").onsubmit = function (event) {
    if (document.querySelector("crowd-input[name=caption]").value === "stop") {
      event.preventDefault();
      document.title = "Refused";
    }
  };
</script>
</body></html>
"""


def png(width: int, height: int) -> bytes:
    """A PNG of the given size (stripes, so it is not blank)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        c = (40, 90, 160) if (y // 40) % 2 else (220, 200, 160)
        raw += bytes(c) * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b"")


def crowd_js_url(server) -> str:
    """The script's /static URL, named as assets.rs names it: the first 8 bytes of its SHA-256."""
    h = hashlib.sha256(CROWD_JS.read_bytes()).hexdigest()[:16]
    return f"{server.url}/static/crowd-html-elements-{h}.js"


class TaskSite:
    """Task pages on 127.0.0.1:<port>, and the externalSubmit that records posts."""

    def __init__(self, pages: dict[str, str]):
        self.pages = pages
        self.posts: list[dict] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status: int, body: str):
                b = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                page = site.pages.get(path)
                if page is None:
                    self._send(404, "not found")
                else:
                    self._send(200, page)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode()
                if urllib.parse.urlsplit(self.path).path != "/mturk/externalSubmit":
                    self._send(404, "not found")
                    return
                site.posts.append({
                    "content_type": self.headers.get("Content-Type"),
                    "fields": urllib.parse.parse_qs(body, keep_blank_values=True),
                })
                self._send(200, "<!DOCTYPE html><html lang='en'><title>Submitted</title><h1>Submitted</h1></html>")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def task_url(self, path: str, assignment_id: str = "ASSIGNMENT1", submit_to: str | None = "") -> str:
        q = {"assignmentId": assignment_id, "hitId": "HIT1", "workerId": "WORKER1"}
        if submit_to is not None:
            q["turkSubmitTo"] = submit_to or self.url
        return f"{self.url}{path}?{urllib.parse.urlencode(q)}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site(server):
    js = crowd_js_url(server)
    r = requests.get(js, timeout=10)
    assert r.status_code == 200, f"{js}: {r.status_code} (is the binary built from this checkout?)"
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert r.content == CROWD_JS.read_bytes()
    pages = {
        "/bounding-box.html": BOUNDING_BOX_EXAMPLE.replace(LOADER, js),
        "/sentiment.html": SENTIMENT_EXAMPLE.replace(LOADER, js),
        "/other.html": OTHER_ELEMENTS.replace(LOADER, js),
    }
    s = TaskSite(pages)
    yield s
    s.close()


@pytest.fixture
def task_page(page, site):
    """The page, with the example image answered locally and every request recorded."""
    image = png(IMAGE_W, IMAGE_H)
    page.route(IMAGE_URL, lambda route: route.fulfill(status=200, content_type="image/png", body=image))
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    site.posts.clear()
    yield page
    stray = [u for u in seen if not u.startswith("http://127.0.0.1:") and u != IMAGE_URL]
    assert stray == [], f"requests left 127.0.0.1: {stray}"
    assert page.js_errors == []


def wait_for_post(page, site, n: int = 1) -> dict:
    page.wait_for_function("() => document.title === 'Submitted'")
    assert len(site.posts) == n, site.posts
    post = site.posts[-1]
    assert post["content_type"] == "application/x-www-form-urlencoded"
    assert set(post["fields"]) == {"assignmentId", "taskAnswers"}, post["fields"]
    return post


def answers(post: dict) -> list:
    (text,) = post["fields"]["taskAnswers"]
    return json.loads(text)


def test_sentiment_example(task_page, site):
    page = task_page
    page.goto(site.task_url("/sentiment.html"))
    page.wait_for_selector("crowd-classifier fieldset")
    assert page.get_by_role("heading", name="What sentiment does this text convey?").is_visible()
    assert page.get_by_text("Everything is wonderful.").is_visible()
    assert page.get_by_text("Choose the primary sentiment").is_visible()
    for c in ["Positive", "Negative", "Neutral", "N/A"]:
        assert page.get_by_role("radio", name=c).count() == 1
    # The full instructions open on demand.
    page.get_by_text("View full instructions").click()
    assert page.get_by_text("Sentiment Analysis Instructions").is_visible()
    assert_accessible(page, "crowd-form")
    screenshots(page, "crowd-sentiment")

    # Nothing chosen: the form does not post.
    page.get_by_role("button", name="Submit").click()
    page.wait_for_timeout(300)
    assert site.posts == []

    # By keyboard: Tab to the first category, arrow to the second, tab to Submit, Enter.
    page.get_by_role("radio", name="Positive").focus()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Negative").is_checked()
    page.keyboard.press("3")  # number keys pick a category
    assert page.get_by_role("radio", name="Neutral").is_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    post = wait_for_post(page, site)
    assert post["fields"]["assignmentId"] == ["ASSIGNMENT1"]
    assert answers(post) == [{"sentiment": {"label": "Neutral"}}]


def test_bounding_box_example(task_page, site):
    page = task_page
    page.goto(site.task_url("/bounding-box.html"))
    page.wait_for_function("() => document.querySelector('crowd-bounding-box').imageWidth > 0")
    assert page.get_by_role("heading", name="Draw boxes around each basketball player and referee in this image").is_visible()
    assert page.get_by_text("Draw boxes around each basketball player and referee in this image.").is_visible()
    assert page.get_by_role("radio", name="Basketball player").is_checked()

    # A box drawn with the mouse, from a quarter of the way in to the middle.
    stage = page.locator(".crowd-stage svg")
    r = stage.bounding_box()
    page.mouse.move(r["x"] + r["width"] * 0.25, r["y"] + r["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(r["x"] + r["width"] * 0.4, r["y"] + r["height"] * 0.5, steps=5)
    page.mouse.move(r["x"] + r["width"] * 0.5, r["y"] + r["height"] * 0.75, steps=5)
    page.mouse.up()
    # A too-small click makes no box.
    page.mouse.click(r["x"] + 5, r["y"] + 5)

    # A box drawn by keyboard, labelled Referee: the cross starts at the image's centre.
    page.get_by_role("radio", name="Referee").check()
    page.locator(".crowd-stage").focus()
    for _ in range(10):
        page.keyboard.press("Shift+ArrowLeft")      # x 320 -> 220
    page.keyboard.press("Enter")                      # start at (220, 240)
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")     # x -> 270
    for _ in range(3):
        page.keyboard.press("Shift+ArrowDown")      # y -> 270
    page.keyboard.press("ArrowDown")                  # y -> 271
    page.keyboard.press("Enter")
    # A third box, then Delete removes it again.
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Enter")
    assert page.locator(".crowd-boxes li").count() == 3
    page.keyboard.press("Delete")
    assert page.locator(".crowd-boxes li").count() == 2
    assert_accessible(page, "crowd-form")
    screenshots(page, "crowd-bounding-box")

    page.get_by_role("button", name="Submit").click()
    post = wait_for_post(page, site)
    (a,) = answers(post)
    assert list(a) == ["annotatedResult"]
    result = a["annotatedResult"]
    assert result["inputImageProperties"] == {"height": IMAGE_H, "width": IMAGE_W}
    mouse, keys = result["boundingBoxes"]
    assert mouse["label"] == "Basketball player"
    for k, want in [("left", 160), ("top", 120), ("width", 160), ("height", 240)]:
        assert abs(mouse[k] - want) <= 2, (k, mouse)
    assert keys == {"label": "Referee", "left": 220, "top": 240, "width": 50, "height": 31}


def test_other_elements(task_page, site):
    page = task_page
    page.goto(site.task_url("/other.html"))
    page.wait_for_selector("crowd-input input")
    # The requester's crowd-button is the submit button: no second one is added.
    assert page.get_by_role("button", name="Submit").count() == 0
    assert page.get_by_role("alert").is_visible()
    page.get_by_text("View instructions").click()
    for t in ["Describe the picture.", "Use full sentences.", "A dog runs on a beach."]:
        assert page.get_by_text(t).is_visible()
    assert_accessible(page)
    screenshots(page, "crowd-other-elements")

    # crowd-input is required: nothing is posted without it.
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_timeout(300)
    assert site.posts == []
    # The page's own submit handler may refuse.
    page.get_by_label("Caption").fill("stop")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_function("() => document.title === 'Refused'")
    assert site.posts == []
    page.get_by_label("Caption").fill("A dog on a beach")
    page.get_by_label("How many animals?").fill("2")
    page.get_by_label("Notes").fill("sunny")
    assert page.get_by_text("5 / 100 characters").is_visible()
    page.get_by_label("The picture is unclear").check()
    page.get_by_label("Outdoor").check()
    page.get_by_role("button", name="Dismiss").click()
    assert page.get_by_role("alert").count() == 0
    # Enter in a text field submits, as in any form.
    page.get_by_label("Caption").press("Enter")
    post = wait_for_post(page, site)
    assert answers(post) == [{
        "caption": "A dog on a beach",
        "count": 2,
        "notes": "sunny",
        "unclear": {"on": True},
        "indoor": {"on": False},
        "outdoor": {"on": True},
        "plain": "kept",
    }]


def test_preview_cannot_submit(task_page, site):
    page = task_page
    page.goto(site.task_url("/sentiment.html", assignment_id="ASSIGNMENT_ID_NOT_AVAILABLE"))
    page.wait_for_selector("crowd-classifier fieldset")
    assert page.get_by_role("button", name="Submit").is_disabled()
    assert page.get_by_text("accept the HIT to submit").is_visible()


def test_without_turk_submit_to_shows_the_output(task_page, site):
    """Opened as a plain file (as the spec suggests for trying the examples): no post, the
    output is shown instead."""
    page = task_page
    page.goto(site.task_url("/sentiment.html", submit_to=None))
    page.get_by_role("radio", name="Positive").check()
    page.get_by_role("button", name="Submit").click()
    out = page.locator(".crowd-output")
    out.wait_for()
    assert json.loads(out.text_content().split(": ", 1)[1]) == [{"sentiment": {"label": "Positive"}}]
    assert site.posts == []
