"""openturk-redirect (clients/python/openturk-redirect): boto3 clients made for AWS's MTurk
endpoints, as amti, psiTurk and Dallinger make them, land on OpenTurk when
AWS_ENDPOINT_URL_MTURK is set; nothing changes when it is not.

Each botocore runs in a virtualenv of its own, created here on first use in the checkout
(.venv-redirect-<name>, kept while its Python, its pins and the package's sources are
unchanged) with the
package's documented one-line install, `pip install clients/python/openturk-redirect`. The
clients are made in a child Python of that venv, so the package's .pth hook runs as it would in
the tool's own environment:
  - current: the botocore the rest of the suite pins (tests/client/requirements.txt);
  - oldest: the oldest botocore that imports on the Python running the suite. psiTurk pins
    botocore 1.12, but on Python 3.10 and 3.11 botocore 1.12.x up to 1.13.44 import
    `collections.Mapping`/`MutableMapping` (removed in 3.10) and fail at `import boto3`;
    1.13.45 is the first that works there. On 3.12 and later 1.13.45 fails too (its urllib3
    <1.26 has a six without find_spec); the oldest there is not established, so it is skipped;
  - psiturk: psiTurk's botocore 1.12 (1.12.253, the last), on a Python older than 3.10 where it
    imports: $OPENTURK_REDIRECT_OLD_PYTHON, else the first of python3.9 … python3.6 on PATH, or
    of pyenv's versions, that runs; skipped when there is none.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, hit_params

PACKAGE = ROOT / "clients" / "python" / "openturk-redirect"
SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION = "https://mturk-requester.us-east-1.amazonaws.com"


OLD_PYTHONS = ["python3.9", "python3.8", "python3.7", "python3.6"]


def _base_python(name: str) -> str | None:
    """The Python the venv is made with."""
    if name != "psiturk":
        return sys.executable
    if os.environ.get("OPENTURK_REDIRECT_OLD_PYTHON"):
        candidates = [os.environ["OPENTURK_REDIRECT_OLD_PYTHON"]]
    else:  # on PATH, else pyenv's (whose shims refuse versions that are not selected)
        pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")), reverse=True)
        candidates = OLD_PYTHONS + pyenv
    for c in candidates:
        try:
            p = subprocess.run([c, "-c", "import sys, venv; assert sys.version_info < (3, 10)"],
                               capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if p.returncode == 0:
            return c
    return None


PSITURK = ["botocore==1.12.253", "boto3==1.9.253"]
# The oldest botocore (and its boto3) that imports, by Python version.
OLDEST = {(3, 10): ["botocore==1.13.45", "boto3==1.10.45"], (3, 11): ["botocore==1.13.45", "boto3==1.10.45"]}


def _pins(name: str) -> list[str]:
    if name == "oldest":
        if sys.version_info[:2] < (3, 10):
            return PSITURK
        if sys.version_info[:2] not in OLDEST:
            pytest.skip(f"the oldest botocore for Python {sys.version_info[0]}.{sys.version_info[1]} is not known here")
        return OLDEST[sys.version_info[:2]]
    if name == "psiturk":
        return PSITURK
    req = (ROOT / "tests" / "client" / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in req if line.strip().startswith(("boto3==", "botocore=="))]


def _package_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(PACKAGE.iterdir()):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _run(args, **kw) -> None:
    p = subprocess.run(args, capture_output=True, text=True, timeout=900, **kw)
    assert p.returncode == 0, f"{' '.join(map(str, args))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"


def venv_python(name: str) -> Path:
    """The python of .venv-redirect-<name>, with its botocore pins and openturk-redirect."""
    venv = ROOT / f".venv-redirect-{name}"
    python = venv / "bin" / "python"
    stamp = venv / ".openturk-redirect-stamp"
    base = _base_python(name)
    if base is None:
        pytest.skip("no Python older than 3.10 (set OPENTURK_REDIRECT_OLD_PYTHON) for botocore 1.12")
    want = json.dumps({"python": base, "pins": _pins(name), "package": _package_digest()})
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    shutil.rmtree(venv, ignore_errors=True)  # anything changed: start again
    _run([base, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run(pip + _pins(name))
    # The documented one-line install.
    _run(pip + [str(PACKAGE)])
    stamp.write_text(want)
    return python


@pytest.fixture(scope="module", params=["current", "oldest", "psiturk"])
def shim_python(request) -> tuple[str, Path]:
    return request.param, venv_python(request.param)


def run_tool(python: Path, code: str, endpoint: str | None) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter of the venv, as a tool would run, with
    AWS_ENDPOINT_URL_MTURK set to `endpoint` (or unset); its stdout is one JSON value."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_", "PYTHON"))}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    if endpoint is not None:
        env["AWS_ENDPOINT_URL_MTURK"] = endpoint
    p = subprocess.run([str(python), "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       env=env, timeout=120, cwd=str(ROOT))
    assert p.returncode == 0, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def test_clients_for_aws_mturk_endpoints_land_on_openturk(server, shim_python):
    name, python = shim_python
    req = server.create_requester()
    params = hit_params(Title=f"redirected from botocore {name}")
    code = """
        import json, sys
        import boto3, botocore
        from botocore.config import Config

        a = json.loads(%r)
        creds = dict(aws_access_key_id=a["key"], aws_secret_access_key=a["secret"])
        out = {"botocore": botocore.__version__}
        # As psiTurk, amti and Dallinger make it: AWS's sandbox endpoint, given explicitly.
        mturk = boto3.client("mturk", endpoint_url=a["sandbox"], region_name="us-east-1",
                             config=Config(retries={"max_attempts": 0}), **creds)
        out["endpoint"] = mturk.meta.endpoint_url
        out["balance"] = mturk.get_account_balance()["AvailableBalance"]
        out["hit"] = mturk.create_hit(**a["hit"])["HIT"]["HITId"]
        out["listed"] = [h["HITId"] for h in mturk.list_hits(MaxResults=100)["HITs"]]
        # Production's endpoint, other spellings of it, and no endpoint at all (a session too).
        out["others"] = {}
        for label, kw in [
            ("production", dict(endpoint_url=a["production"], region_name="us-east-1")),
            ("upper-case, port, path", dict(endpoint_url="HTTPS://MTURK-REQUESTER-SANDBOX.US-EAST-1.AMAZONAWS.COM:443/", region_name="us-east-1")),
            ("another region", dict(endpoint_url="https://mturk-requester.eu-west-1.amazonaws.com", region_name="eu-west-1")),
            ("region sandbox, no endpoint", dict(region_name="sandbox")),
            ("no endpoint", dict(region_name="us-east-1")),
        ]:
            c = boto3.session.Session(**creds).client("mturk", **kw)
            out["others"][label] = [c.meta.endpoint_url, c.get_account_balance()["AvailableBalance"]]
        # Left alone: another endpoint for MTurk, and other services.
        out["untouched"] = [
            boto3.client("mturk", endpoint_url="http://127.0.0.1:9", region_name="us-east-1", **creds).meta.endpoint_url,
            boto3.client("sqs", region_name="us-east-1", **creds).meta.endpoint_url,
            boto3.client("s3", endpoint_url="https://mturk-requester.us-east-1.amazonaws.com", region_name="us-east-1", **creds).meta.endpoint_url,
        ]
        print(json.dumps(out))
    """ % json.dumps({"key": req.key_id, "secret": req.secret, "sandbox": SANDBOX,
                      "production": PRODUCTION, "hit": params})
    p = run_tool(python, code, server.url)
    out = json.loads(p.stdout)
    assert f"botocore=={out['botocore']}" in _pins(name), out
    assert out["endpoint"].rstrip("/") == server.url, out
    assert out["balance"] == "10000.00", out
    # The HIT is on OpenTurk: its requester sees it with its own (direct) client.
    assert req.get_hit(out["hit"])["Title"] == params["Title"]
    assert out["hit"] in out["listed"], out
    for label, (endpoint, balance) in out["others"].items():
        assert endpoint.rstrip("/") == server.url, (label, out)
        assert balance == "10000.00", (label, out)
    assert out["untouched"][0] == "http://127.0.0.1:9", out
    assert "amazonaws.com" in out["untouched"][1], out
    assert out["untouched"][2] == PRODUCTION, out
    # Said once, for eight redirected clients.
    notices = [line for line in p.stderr.splitlines() if line.startswith("openturk-redirect:")]
    assert notices == [f"openturk-redirect: MTurk requests go to {server.url} (AWS_ENDPOINT_URL_MTURK)"], p.stderr


NOTHING = """
    import json, sys
    import boto3, botocore.client, openturk_redirect
    c = boto3.client("mturk", endpoint_url=%r, region_name="us-east-1",
                     aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
    print(json.dumps({
        "endpoint": c.meta.endpoint_url,
        "patched": hasattr(botocore.client.ClientCreator.create_client, "_openturk_redirect_original"),
        "hooks": [type(f).__name__ for f in sys.meta_path if type(f).__module__ == "openturk_redirect"],
    }))
""" % SANDBOX


@pytest.mark.parametrize("value", [None, "", "  "])
def test_without_the_variable_nothing_is_patched(shim_python, value):
    _, python = shim_python
    p = run_tool(python, NOTHING, value)
    out = json.loads(p.stdout)
    assert out == {"endpoint": SANDBOX, "patched": False, "hooks": []}, out
    assert "openturk-redirect" not in p.stderr, p.stderr


def test_the_hook_waits_for_botocore(shim_python):
    """With the variable set, Python starts without importing botocore; the hook patches it on
    import, and says nothing until an MTurk client is redirected."""
    _, python = shim_python
    code = """
        import json, sys
        before = "botocore" in sys.modules
        import botocore.client
        print(json.dumps({"before": before,
                          "patched": hasattr(botocore.client.ClientCreator.create_client, "_openturk_redirect_original"),
                          "hooks": [type(f).__name__ for f in sys.meta_path if type(f).__module__ == "openturk_redirect"]}))
    """
    p = run_tool(python, code, "http://127.0.0.1:9")
    assert json.loads(p.stdout) == {"before": False, "patched": True, "hooks": []}, p.stdout
    assert p.stderr == "", p.stderr
