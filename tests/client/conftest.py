"""Client suite: drives the real `openturk` binary with boto3's `mturk` client, the AWS CLI,
and plain HTTP (worker API, externalSubmit).

Every sandbox server runs with OPENTURK_TEST_CLOCK=1 (the binary is built with the test-clock
feature) on a temporary data directory, and, when OPENTURK_TEST_PG_URL is set, on a fresh
PostgreSQL database created for it. Production servers refuse the test clock: they run on the
wall clock, and what moving time does to their money is tested in crates/openturk/tests/review.rs.
"""

from __future__ import annotations

import configparser
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import boto3
import botocore.session
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("OPENTURK_BIN") or str(ROOT / "target" / "release" / "openturk")
PG_URL = os.environ.get("OPENTURK_TEST_PG_URL") or None
REGION = "us-east-1"
TARGET = "MTurkRequesterServiceV20170117."
JSON_11 = "application/x-amz-json-1.1"
WORKER_PASSWORD = "correct horse battery"
# The documented way is OPENTURK_TEST_CLOCK=1; "true" is what clap's bool flag also takes. The
# servers of this suite use "true" so that the rest of the suite runs even if "1" were refused;
# test_protocol.py::test_test_clock_env_accepts_1 checks "1" on its own.
TEST_CLOCK_ENV = "1"

# MTurk's RequestError and ServiceFault messages end with the time in epoch milliseconds.
MSG_TIME = re.compile(r" \((\d{13})\)$")

HTML_QUESTION = """<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[<!DOCTYPE html><html><body>
    <form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
      <input type="hidden" value="" name="assignmentId" id="assignmentId"/>
      <input name="answer" type="text"/>
      <input type="submit" id="submitButton" value="Submit"/>
    </form></body></html>]]></HTMLContent>
  <FrameHeight>450</FrameHeight>
</HTMLQuestion>"""

EXTERNAL_QUESTION = """<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">
  <ExternalURL>{url}</ExternalURL>
  <FrameHeight>600</FrameHeight>
</ExternalQuestion>"""

QUESTION_FORM = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Overview>
    <Title>Overview</Title>
    <FormattedContent><![CDATA[{overview}]]></FormattedContent>
  </Overview>
  <Question>
    <QuestionIdentifier>color</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Which color?</Text></QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <MaxSelectionCount>3</MaxSelectionCount>
        <StyleSuggestion>checkbox</StyleSuggestion>
        <Selections>
          <Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>
          <Selection><SelectionIdentifier>green</SelectionIdentifier><Text>Green</Text></Selection>
          <Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>comment</QuestionIdentifier>
    <QuestionContent><Text>Any comment?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>"""


def question_form(overview: str = "<p>Pick <b>all</b> that apply.</p>") -> str:
    return QUESTION_FORM.replace("{overview}", overview)


def external_question(url: str) -> str:
    return EXTERNAL_QUESTION.replace("{url}", url)


def hit_params(**over):
    """CreateHIT parameters that are valid; override any of them."""
    p = dict(
        Title="Tag an image",
        Description="Look at an image and tag it",
        Keywords="image, tag",
        Reward="0.50",
        LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=600,
        Question=HTML_QUESTION,
    )
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def hit_type_params(**over):
    p = dict(
        Title="Tag an image",
        Description="Look at an image and tag it",
        Reward="0.50",
        AssignmentDurationInSeconds=600,
    )
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def unique(prefix: str = "t") -> str:
    return f"{prefix}{secrets.token_hex(6)}"


# ----- errors -----


def check_request_error(e: ClientError, turk_code: str | None, *fragments: str, status: int = 400) -> str:
    """Asserts what a boto3 user sees of an MTurk RequestError; returns the message."""
    r = e.response
    assert r["Error"]["Code"] == "RequestError", r
    assert r["ResponseMetadata"]["HTTPStatusCode"] == status, r
    assert r["ResponseMetadata"].get("RequestId"), r
    msg = r["Error"]["Message"]
    assert MSG_TIME.search(msg), f"message does not end with '(<epoch ms>)': {msg!r}"
    if turk_code is not None:
        assert r.get("TurkErrorCode") == f"AWS.MechanicalTurk.{turk_code}", r
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


@contextmanager
def request_error(turk_code: str | None, *fragments: str, status: int = 400):
    """`with request_error("HITDoesNotExist", hit_id): client.get_hit(...)`"""
    with pytest.raises(ClientError) as ei:
        yield ei
    check_request_error(ei.value, turk_code, *fragments, status=status)


@contextmanager
def aws_error(code: str, *fragments: str, status: int = 400):
    """A protocol-level error (authentication, framing), named as AWS names it."""
    with pytest.raises(ClientError) as ei:
        yield ei
    r = ei.value.response
    assert r["Error"]["Code"] == code, r
    assert r["ResponseMetadata"]["HTTPStatusCode"] == status, r
    for f in fragments:
        assert f in r["Error"]["Message"], r


# ----- the server -----


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENTURK_", "AWS_"))}
    env["OPENTURK_LOG"] = "openturk=info,warn"
    return env


def _die_with_parent() -> None:
    """In the server's process: on Linux, get SIGTERM when pytest dies, so no server outlives it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _psql(sql: str, url: str) -> None:
    subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _with_database(url: str, name: str) -> str:
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def _profile(text: str) -> dict:
    cp = configparser.ConfigParser()
    cp.read_string(text)
    section = cp.sections()[0]
    return {
        "name": section,
        "key_id": cp[section]["aws_access_key_id"],
        "secret": cp[section]["aws_secret_access_key"],
    }


_BOTOCORE = None
_BOTOCORE_LOCK = threading.Lock()


def _botocore_session():
    """One botocore session for the whole run: it loads the mturk service model once."""
    global _BOTOCORE
    with _BOTOCORE_LOCK:
        if _BOTOCORE is None:
            _BOTOCORE = botocore.session.get_session()
        return _BOTOCORE


class Requester:
    def __init__(self, server: "Server", name: str, key_id: str, secret: str):
        self.server = server
        self.name = name
        self.key_id = key_id
        self.secret = secret
        self.client = server.client(key_id, secret)
        self._raw = None

    @property
    def raw(self):
        """A client that skips boto3's own parameter checks (types, required, min), for
        server-side checks of what boto3 would refuse before sending."""
        if self._raw is None:
            self._raw = self.server.client(self.key_id, self.secret, validate=False)
        return self._raw

    def create_hit(self, **over) -> dict:
        return self.client.create_hit(**hit_params(**over))["HIT"]

    def get_hit(self, hit_id: str) -> dict:
        return self.client.get_hit(HITId=hit_id)["HIT"]

    def balance(self) -> tuple[str, str]:
        b = self.client.get_account_balance()
        return b["AvailableBalance"], b.get("OnHoldBalance")

    def signed_post(self, body: bytes | str, target: str | None = "GetAccountBalance",
                    content_type: str = JSON_11, secret: str | None = None, extra_headers=None):
        return self.server.signed_post(self.key_id, secret or self.secret, body, target, content_type, extra_headers)


class Worker:
    def __init__(self, server: "Server", username: str, password: str, worker_id: str):
        self.server = server
        self.username = username
        self.password = password
        self.worker_id = worker_id
        self.http = requests.Session()
        self.token = None
        self.sign_in()

    def sign_in(self) -> dict:
        r = self.http.post(self.server.worker_url + "/sessions",
                           json={"Username": self.username, "Password": self.password}, timeout=30)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["WorkerId"] == self.worker_id
        self.token = body["Token"]
        return body

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, **kw) -> requests.Response:
        headers = dict(self.auth)
        headers.update(kw.pop("headers", {}))
        return self.http.request(method, self.server.worker_url + path, headers=headers, timeout=30, **kw)

    # Each helper asserts the status it expects and returns the parsed body.
    def me(self) -> dict:
        return ok(self.call("GET", "/me"))

    def groups(self, **params) -> dict:
        return ok(self.call("GET", "/hit-groups", params=params))

    def accept_group(self, group_id: str) -> dict:
        return ok(self.call("POST", f"/hit-groups/{group_id}/accept"), 201)

    def accept(self, hit_id: str) -> dict:
        return ok(self.call("POST", f"/hits/{hit_id}/accept"), 201)

    def preview(self, hit_id: str) -> dict:
        return ok(self.call("GET", f"/hits/{hit_id}"))

    def submit(self, assignment_id: str, answers: dict | None = None) -> dict:
        return ok(self.call("POST", f"/assignments/{assignment_id}/submit",
                            json={"Answers": answers if answers is not None else {"answer": "yes"}}))

    def return_(self, assignment_id: str) -> dict:
        return ok(self.call("POST", f"/assignments/{assignment_id}/return"))

    def assignments(self, **params) -> dict:
        return ok(self.call("GET", "/assignments", params=params))

    def work(self, hit_id: str, answers: dict | None = None) -> str:
        """Accepts and submits a HIT; returns the AssignmentId."""
        a = self.accept(hit_id)
        self.submit(a["AssignmentId"], answers)
        return a["AssignmentId"]


def ok(r: requests.Response, status: int = 200) -> dict:
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
    return r.json() if r.content else {}


def worker_error(r: requests.Response, status: int, code: str, *fragments: str) -> str:
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
    e = r.json()["Error"]
    assert e["Code"] == code, e
    for f in fragments:
        assert f in e["Message"], e
    return e["Message"]


class Server:
    """One `openturk serve` process on its own data directory (and database)."""

    def __init__(self, production: bool = False, tag: str = "srv", test_clock_env: str | None = None,
                 config: str | None = None):
        if not os.path.exists(BIN):
            pytest.exit(f"openturk binary not found at {BIN}; build it or set OPENTURK_BIN", 2)
        self.production = production
        self.dir = Path(tempfile.mkdtemp(prefix=f"openturk-{tag}-"))
        self.database = None
        self.db_name = None
        if PG_URL:
            self.db_name = "ot_client_" + secrets.token_hex(8)
            _psql(f"CREATE DATABASE {self.db_name}", PG_URL)
            self.database = _with_database(PG_URL, self.db_name)
        if config is not None:
            # The server and the admin commands run in the data directory, where ./openturk.toml
            # is read.
            (self.dir / "openturk.toml").write_text(config)
        self.flags = ["--data-dir", str(self.dir)]
        if self.database:
            self.flags += ["--database", self.database]
        if production:
            self.flags.append("--production")
        env = _env()
        if not production:
            env["OPENTURK_TEST_CLOCK"] = test_clock_env or TEST_CLOCK_ENV
        self._stderr = open(self.dir / "server.stderr", "wb")
        self.proc = subprocess.Popen(
            [BIN, *self.flags, "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=self.dir,
            text=True,
            preexec_fn=_die_with_parent,
        )
        try:
            self._wait_until_ready(production)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, production: bool) -> None:
        self.output: list[str] = []
        lines: queue.Queue = queue.Queue()

        def drain():
            for line in self.proc.stdout:
                self.output.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain, daemon=True).start()
        self.url = None
        database_line = None
        deadline = time.monotonic() + 60
        while self.url is None or database_line is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                err = self.stderr_text()
                raise RuntimeError(f"openturk serve did not start: {''.join(self.output)}{err}")
            m = re.search(r"Requester API: (http://127\.0\.0\.1:\d+)/", line)
            if m:
                self.url = m.group(1)
            if line.strip().startswith("Database:"):
                database_line = line
        self.worker_url = self.url + "/worker-api/v1"
        assert ("postgres://" in database_line) == bool(PG_URL), database_line
        assert ("production mode" in self.output[0]) == production, self.output
        self.credentials_file = self.dir / "credentials"
        prof = _profile(self.credentials_file.read_text())
        assert prof["name"] == "default"
        self.default = Requester(self, "default", prof["key_id"], prof["secret"])

    def stderr_text(self) -> str:
        try:
            return (self.dir / "server.stderr").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._stderr.close()
        if self.db_name:
            try:
                _psql(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)", PG_URL)
            except subprocess.CalledProcessError:
                pass
        if not os.environ.get("OPENTURK_TEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # ----- admin commands -----

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run([BIN, *self.flags, *args], capture_output=True, text=True, env=_env(),
                           cwd=self.dir, timeout=120)
        if check:
            assert p.returncode == 0, f"openturk {' '.join(args)} failed ({p.returncode}): {p.stdout}{p.stderr}"
        return p

    def create_requester(self, name: str | None = None) -> Requester:
        name = name or unique("req")
        prof = _profile(self.cli("requester", "create", name).stdout)
        assert prof["name"] == name
        return Requester(self, name, prof["key_id"], prof["secret"])

    def add_key(self, name: str, read_only: bool = False) -> dict:
        args = ["requester", "key", name] + (["--read-only"] if read_only else [])
        return _profile(self.cli(*args).stdout)

    def create_worker(self, name: str | None = None, country: str = "US", subdivision: str | None = None,
                      via_cli: bool = False) -> Worker:
        """A worker, signed in. Made through the sign-up API (fast), or `openturk worker create`."""
        name = name or unique("w")
        if not via_cli:
            body = {"Username": name, "Password": WORKER_PASSWORD, "Country": country}
            if subdivision:
                body["Subdivision"] = subdivision
            r = requests.post(self.worker_url + "/workers", json=body, timeout=30)
            assert r.status_code == 201, r.text
            return Worker(self, name, WORKER_PASSWORD, r.json()["WorkerId"])
        args = ["worker", "create", name, "--password", WORKER_PASSWORD, "--country", country]
        if subdivision:
            args += ["--subdivision", subdivision]
        worker_id = self.cli(*args).stdout.strip()
        assert re.fullmatch(r"[A-Z0-9]{8,32}", worker_id), worker_id
        return Worker(self, name, WORKER_PASSWORD, worker_id)

    def ledger_verify(self) -> subprocess.CompletedProcess:
        return self.cli("ledger", "verify", check=False)

    # ----- clients -----

    def client(self, key_id: str, secret: str, validate: bool = True):
        return boto3.session.Session(botocore_session=_botocore_session()).client(
            "mturk",
            region_name=REGION,
            endpoint_url=self.url,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(
                retries={"max_attempts": 1, "mode": "standard"},
                parameter_validation=validate,
                connect_timeout=10,
                read_timeout=60,
            ),
        )

    def signed_post(self, key_id, secret, body, target="GetAccountBalance", content_type=JSON_11,
                    extra_headers=None) -> requests.Response:
        """A correctly signed POST /, built by hand (for what boto3 cannot send)."""
        if isinstance(body, str):
            body = body.encode()
        headers = {"Content-Type": content_type}
        if target is not None:
            headers["X-Amz-Target"] = TARGET + target if "." not in target else target
        headers.update(extra_headers or {})
        req = AWSRequest(method="POST", url=self.url + "/", data=body, headers=headers)
        SigV4Auth(Credentials(key_id, secret), "mturk-requester", REGION).add_auth(req)
        return requests.post(self.url + "/", data=body, headers=dict(req.headers.items()), timeout=60)

    # ----- the test clock -----

    def advance(self, seconds: int) -> int:
        """Moves the server's test clock and runs the work that fell due; returns its time (ms)."""
        if self.production:
            pytest.fail("a production server has no test clock; move time in a Rust test (tests/review.rs)")
        r = requests.post(self.url + "/_openturk/test/clock", json={"AdvanceSeconds": seconds}, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()["NowMillis"]

    def now_ms(self) -> int:
        # A production server runs on the wall clock, which is ours.
        return int(time.time() * 1000) if self.production else self.advance(0)

    def now(self) -> float:
        return self.now_ms() / 1000.0


@pytest.fixture(scope="module")
def server():
    s = Server(tag="sandbox")
    yield s
    s.stop()


@pytest.fixture
def fresh_server():
    """A server of its own, for tests that move the clock far."""
    s = Server(tag="fresh")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def requester(server) -> Requester:
    """The default requester of the module's server."""
    return server.default


@pytest.fixture(scope="module")
def mturk(requester):
    return requester.client


@pytest.fixture
def worker(server) -> Worker:
    """A worker made with the admin command `openturk worker create`."""
    return server.create_worker(via_cli=True, country="GB", subdivision="ENG")


def ts(v) -> float:
    """A boto3 timestamp (datetime) as epoch seconds."""
    return v.timestamp()
