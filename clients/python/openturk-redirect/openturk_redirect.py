"""openturk-redirect: send boto3/botocore MTurk clients made for AWS's MTurk endpoints to OpenTurk.

Installed into an environment, the file ``openturk_redirect.pth`` runs :func:`_startup` when
Python starts. When ``AWS_ENDPOINT_URL_MTURK`` is set then, it puts an import hook on
``sys.meta_path`` that waits for ``botocore.client``; when that module has been executed, it
wraps ``botocore.client.ClientCreator.create_client``, the one place where every botocore
client is built (boto3.client, boto3.Session.client, botocore.session.Session.create_client).
An ``mturk`` client whose endpoint is AWS's (``mturk-requester[-sandbox].<region>.amazonaws.com``,
any scheme, case or port) or that has no explicit endpoint gets ``AWS_ENDPOINT_URL_MTURK``
instead. Other services and other endpoints are left alone. When the variable is unset at
start, nothing is installed. See README.md.
"""

import os
import re
import sys

__version__ = "0.1.0"
__all__ = ["install", "is_aws_mturk_endpoint", "redirected_endpoint", "VARIABLE"]

VARIABLE = "AWS_ENDPOINT_URL_MTURK"
SERVICE = "mturk"
_PATCHED = "_openturk_redirect_original"

# mturk-requester.us-east-1.amazonaws.com, mturk-requester-sandbox.us-east-1.amazonaws.com, and
# the other spellings of the same: no region, another region, FIPS/dual-stack forms, China.
_AWS_HOST = re.compile(
    r"^mturk-requester(?:-[a-z0-9-]+)?(?:\.[a-z0-9-]+)*\.(?:amazonaws\.com(?:\.cn)?|api\.aws)\.?$"
)

_announced = False


def is_aws_mturk_endpoint(url):
    """True when ``url`` names one of AWS's MTurk Requester endpoints (production or sandbox)."""
    if not url:
        return False
    try:
        from urllib.parse import urlsplit

        text = str(url).strip()
        if "://" not in text:
            text = "https://" + text
        host = urlsplit(text).hostname or ""
    except ValueError:
        return False
    return bool(_AWS_HOST.match(host.lower()))


def redirected_endpoint(service_name, endpoint_url, environ=None):
    """The endpoint a client for ``service_name`` asked for ``endpoint_url`` should get: the
    variable's value for an MTurk client bound for AWS (or for no explicit endpoint), else
    ``endpoint_url`` unchanged."""
    target = (os.environ if environ is None else environ).get(VARIABLE, "").strip()
    if not target or service_name != SERVICE:
        return endpoint_url
    if endpoint_url is None or is_aws_mturk_endpoint(endpoint_url):
        return target
    return endpoint_url


def _announce(target):
    global _announced
    if _announced:
        return
    _announced = True
    try:
        sys.stderr.write("openturk-redirect: MTurk requests go to %s (%s)\n" % (target, VARIABLE))
        sys.stderr.flush()
    except Exception:  # a closed or missing stderr must not break the tool
        pass


def _patch_client_module(client_module):
    creator = getattr(client_module, "ClientCreator", None)
    original = getattr(creator, "create_client", None)
    if original is None or getattr(original, _PATCHED, None) is not None:
        return
    try:
        import inspect

        signature = inspect.signature(original)
    except (TypeError, ValueError):
        signature = None

    def create_client(*args, **kwargs):
        bound = None
        if signature is not None:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                bound = None  # let botocore report the bad call
        if bound is not None:
            service_name = bound.arguments.get("service_name")
            endpoint_url = bound.arguments.get("endpoint_url")
            new = redirected_endpoint(service_name, endpoint_url)
            if new != endpoint_url:
                bound.arguments["endpoint_url"] = new
                _announce(new)
                return original(*bound.args, **bound.kwargs)
        return original(*args, **kwargs)

    create_client.__name__ = original.__name__
    create_client.__qualname__ = getattr(original, "__qualname__", original.__name__)
    create_client.__doc__ = original.__doc__
    create_client.__wrapped__ = original
    setattr(create_client, _PATCHED, original)
    creator.create_client = create_client


class _BotocoreClientHook(object):
    """A meta-path finder that finds nothing itself: when ``botocore.client`` is imported it
    asks the other finders for the module and patches it right after it has executed."""

    target = "botocore.client"

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.target:
            return None
        spec = None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        real_exec = loader.exec_module

        def exec_module(module):
            try:
                real_exec(module)
            finally:
                try:
                    del loader.exec_module  # the loader is botocore's again
                except AttributeError:
                    pass
            if module.__name__ == self.target:
                _remove_hook()
                _patch_client_module(module)

        loader.exec_module = exec_module
        return spec

    # Python < 3.4 finders; never used (find_spec wins), present for old tools that call it.
    def find_module(self, fullname, path=None):
        return None


def _remove_hook():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _BotocoreClientHook)]


def install():
    """Patch botocore now if it is imported, or when it is. Idempotent."""
    module = sys.modules.get("botocore.client")
    if module is not None:
        _patch_client_module(module)
        return
    if not any(isinstance(f, _BotocoreClientHook) for f in sys.meta_path):
        sys.meta_path.insert(0, _BotocoreClientHook())


def _startup():
    """Run by openturk_redirect.pth at interpreter start: install only when the variable is set."""
    try:
        if os.environ.get(VARIABLE, "").strip():
            install()
    except Exception as e:  # never break the interpreter's start
        try:
            sys.stderr.write("openturk-redirect: not installed: %r\n" % (e,))
        except Exception:
            pass
