"""``ContractServer``: a loopback GitHub (REST + git smart HTTP) that checks every exchange
against GitHub's official REST description.

Each REST request goes: route (the spec's path template) → armed fault → authentication →
rate limit → JSON parse → request validation (openapi-core) → handler (under the world lock)
→ response validation → call log → reply. A request the description refuses is answered 422 as
GitHub would and recorded in ``violations``; a response that fails its schema is a server bug,
also recorded. ``git_url(owner, name)`` serves clone/fetch/push through ``git http-backend``.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ghcontract import api as _api  # noqa: F401  (registers the routes)
from ghcontract import gitops
from ghcontract import spec as spec_module
from ghcontract.calllog import Call, CallLog, GitCall, Violation
from ghcontract.context import ROUTES, Ctx, Reply
from ghcontract.errors import ApiError
from ghcontract.faults import Fault, Faults
from ghcontract.fill import Filler
from ghcontract.objects import Objects
from ghcontract.ratelimit import Budget, RateLimiter
from ghcontract.routing import Router
from ghcontract.state import Repo, World
from ghcontract.validate import ApiRequest, ContractValidator

RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
REST_DOCS = "https://docs.github.com/rest"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)
PRIMARY_MESSAGE = (
    "API rate limit exceeded for user ID {uid}. If you reach out to GitHub Support for help, "
    "please include the request ID {rid} and timestamp {stamp}."
)

_router_lock = threading.Lock()
_routers: dict[str, Router] = {}


def _router(version: str) -> Router:
    with _router_lock:
        if version not in _routers:
            _routers[version] = Router(spec_module.spec_dict(version)["paths"])
        return _routers[version]


class _Dropped(Exception):
    """The connection was reset on purpose (a fault): nothing is sent."""


class ContractServer:
    """A stateful GitHub on 127.0.0.1 for tests and benchmarks.

    ``users`` maps token → login. ``orgs`` names organizations (``POST /orgs/{org}/repos``).
    ``required_checks``: check-run names (or status contexts) that must have succeeded on a
    pull request's head before it merges; ``required_approvals``: approving reviews needed.
    ``check_run_tokens``: when given, only these tokens may write check runs, as on GitHub,
    where only GitHub Apps can (``None``: any token may).
    """

    def __init__(
        self,
        root: Path,
        users: Mapping[str, str],
        *,
        orgs: Iterable[str] = (),
        required_checks: Iterable[str] = (),
        required_approvals: int = 0,
        rate_limit: int = 5000,
        rate_limit_window: float = 3600.0,
        check_run_tokens: Collection[str] | None = None,
        clock: Callable[[], float] = time.time,
        fault_seed: int = 0,
        spec_version: str = spec_module.VERSION,
    ) -> None:
        self.root = Path(root)
        self.users = dict(users)
        self.required_checks = set(required_checks)
        self.required_approvals = required_approvals
        self.check_run_tokens = set(check_run_tokens) if check_run_tokens is not None else None
        self.world = World(clock)
        for login in self.users.values():
            self.world.account(login)
        self.orgs = {org.lower(): self.world.account(org, "Organization").login for org in orgs}
        self.rate = RateLimiter(rate_limit, rate_limit_window, clock)
        self.anonymous_rate = RateLimiter(60, 3600.0, clock)  # GitHub's budget without a token
        self.faults = Faults(fault_seed)
        self.calls: CallLog[Call] = CallLog()
        self.git_calls: CallLog[GitCall] = CallLog()
        self.violations: CallLog[Violation] = CallLog()
        self.validator = ContractValidator.shared(spec_version)
        self.router = _router(spec_version)
        self._request_ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.objects: Objects = None  # type: ignore[assignment]  # set by start()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ContractServer:
        if self._httpd is not None:
            return self
        (self.root / "repos").mkdir(parents=True, exist_ok=True)
        handler = type("BoundHandler", (_Handler,), {"contract": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.objects = Objects(Filler(self.validator.spec, self.api_url), self.world, self.api_url)
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> ContractServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    @property
    def api_url(self) -> str:
        """The REST root, as ``https://api.github.com`` is (pass it to PyGithub's base_url)."""
        return f"http://127.0.0.1:{self.port}"

    def git_url(self, owner: str, name: str) -> str:
        return f"{self.api_url}/git/{owner}/{name}.git"

    def repo_path(self, owner: str, name: str) -> Path:
        return self.root / "repos" / owner / f"{name}.git"

    # ------------------------------------------------------------------ helpers

    def token_of(self, login: str) -> str | None:
        for token, user in self.users.items():
            if user.lower() == login.lower():
                return token
        return None

    def login_for(self, token: str) -> str | None:
        return self.users.get(token)

    def take_violations(self) -> list[Violation]:
        """The violations so far, clearing them (for tests that provoke some on purpose)."""
        found = self.violations.snapshot()
        self.violations.clear()
        return found

    def unemulated(self, ctx: Ctx, what: str) -> ApiError:
        self.violations.append(
            Violation("unemulated", ctx.method.upper(), ctx.template, f"not emulated: {what}")
        )
        return ApiError(422, f"ghcontract does not emulate {what}")

    def seed_repo(
        self, owner: str, name: str, *, private: bool = False, auto_init: bool = True
    ) -> Repo:
        """Create a repository directly (no API call), e.g. to set up a benchmark."""
        with self.world.lock:
            if self.world.find_repo(owner, name) is not None:
                raise ValueError(f"{owner}/{name} exists")
            kind = "Organization" if owner.lower() in self.orgs else "User"
            account = self.world.account(owner, kind)
            now = self.world.clock()
            repo = Repo(
                id=self.world.new_id("repo"),
                owner=account,
                name=name,
                private=private,
                description=None,
                path=self.repo_path(account.login, name),
                created_at=now,
                updated_at=now,
            )
            gitops.init_bare(
                repo.path, repo.default_branch, auto_init=auto_init, title=name, login=owner
            )
            self.world.repos[repo.full_name.lower()] = repo
            return repo

    def next_request_id(self) -> str:
        n = next(self._request_ids)
        return f"{n:04X}:{self.port:04X}:{n * 7919 % 65536:04X}"


# ---------------------------------------------------------------------- the HTTP side


class _Handler(BaseHTTPRequestHandler):
    contract: ContractServer
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 60

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    # ------------------------------------------------------------------ plumbing

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines.append(f"Date: {self.date_time_string()}")
        lines.append(f"Server: {self.server_version}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self) -> None:
        server = self.contract
        split = urlsplit(self.path)
        body = self._read_body()
        if split.path.startswith("/git/"):
            self._git(split.path, split.query, body)
            return
        method = self.command.lower()
        match = server.router.match(split.path)
        template = match.template if match is not None else split.path
        try:
            status, headers, payload = self._rest(split, match, method, body)
        except _Dropped:
            server.calls.append(Call(method.upper(), template, 0))
            self._reset()
            return
        server.calls.append(Call(method.upper(), template, status))
        self._send(status, headers, payload)

    def _rest(
        self, split: Any, match: Any, method: str, raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        server = self.contract
        headers: dict[str, str] = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": server.next_request_id(),
        }
        login = self._authenticate()
        if login is None and "Authorization" in self.headers:
            headers.update(server.anonymous_rate.consume("")[0].headers())
            return self._error(ApiError(401, "Bad credentials"), REST_DOCS, headers)
        if match is None or method not in match.methods:
            server.violations.append(
                Violation("unknown-path", method.upper(), split.path, "no such route in the spec")
            )
            return self._error(ApiError(404, "Not Found"), REST_DOCS, headers)
        template = match.template
        operation = server.validator.operation(method, template)
        docs = operation.get("externalDocs", {}).get("url", REST_DOCS)
        if (method, template) not in ROUTES:
            server.violations.append(
                Violation("unemulated", method.upper(), template, "route not emulated")
            )
            return self._error(ApiError(404, "Not Found"), docs, headers)

        fault = server.faults.pick(method, template)
        if fault is not None and fault.kind != "reset_after":
            return self._fault(fault, headers)

        if login is None:  # anonymous access to public resources is not emulated
            headers.update(server.anonymous_rate.consume("")[0].headers())
            return self._error(ApiError(401, "Requires authentication"), docs, headers)
        if template == "/rate_limit":
            budget = server.rate.peek(login)
        else:
            budget, allowed = server.rate.consume(login)
            if not allowed:
                headers.update(budget.headers())
                return self._primary_limit(login, budget.reset, headers)
        headers.update(budget.headers())

        query_items = parse_qsl(split.query, keep_blank_values=True)
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError as error:
            server.violations.append(
                Violation("request", method.upper(), template, f"body is not JSON: {error}")
            )
            return self._error(ApiError(400, "Problems parsing JSON"), docs, headers)
        problems = server.validator.request_errors(
            ApiRequest(
                method,
                template,
                match.params,
                query_items,
                {k: v for k, v in self.headers.items() if k.lower() != "authorization"},
                raw if parsed is not None else None,
                content_type=self.headers.get("Content-Type", "") if parsed is not None else "",
            )
        )
        if problems:
            detail = "\n".join(problems)
            server.violations.append(Violation("request", method.upper(), template, detail))
            return self._error(ApiError(422, f"Invalid request.\n\n{detail}"), docs, headers)

        ctx = Ctx(server, method, template, split.path, match.params, query_items, parsed, login)
        fallback: str | None = None
        try:
            with server.world.lock:
                reply = ROUTES[(method, template)](ctx)
        except ApiError as error:
            reply = Reply(error.status, error.body(docs), error.headers)
            fallback = _fallback_schema(error)
        except Exception as error:  # a server bug: answer 500 and make the test fail
            server.violations.append(
                Violation("response", method.upper(), template, f"handler raised {error!r}")
            )
            reply = Reply(500, {"message": "Server Error", "documentation_url": docs})
            fallback = "basic-error"
        else:
            reply.headers.update(ctx.headers)
        headers.update(reply.headers)
        self._check_response(method, template, reply, headers, fallback)
        if fault is not None:  # reset_after: the effect happened, the answer is lost
            raise _Dropped
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        if reply.body is None:
            headers.pop("Content-Type", None)
        return reply.status, headers, payload

    def _check_response(
        self,
        method: str,
        template: str,
        reply: Reply,
        headers: dict[str, str],
        fallback: str | None,
    ) -> None:
        server = self.contract
        declared = server.validator.response_spec(method, template, reply.status)
        if declared is None and fallback is None:
            problems = [f"status {reply.status} is not documented for this operation"]
        else:
            problems = server.validator.response_errors(
                method, template, reply.status, reply.body, headers, fallback_schema=fallback
            )
        if problems:
            server.violations.append(
                Violation(
                    "response", method.upper(), template, f"{reply.status}: " + "\n".join(problems)
                )
            )

    def _authenticate(self) -> str | None:
        value = self.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.contract.login_for(token.strip())

    def _error(
        self, error: ApiError, docs: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        headers.update(error.headers)
        return error.status, headers, json.dumps(error.body(docs)).encode()

    def _primary_limit(
        self, login: str, reset: int, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        account = self.contract.world.find_account(login)
        message = PRIMARY_MESSAGE.format(
            uid=account.id if account else 0,
            rid=headers["X-GitHub-Request-Id"],
            stamp=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.contract.world.clock())),
        )
        body = {"message": message, "documentation_url": RATE_DOCS}
        headers["X-RateLimit-Remaining"] = "0"
        headers["X-RateLimit-Reset"] = str(reset)
        return 403, headers, json.dumps(body).encode()

    def _fault(self, fault: Fault, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        kind = fault.kind
        if kind == "reset_before":
            raise _Dropped
        if kind.startswith("status_"):
            status = int(kind.removeprefix("status_"))
            if status == 502:  # GitHub's edge answers 502 with an HTML page
                headers["Content-Type"] = "text/html"
                return 502, headers, b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"
            return self._error(ApiError(status, "Server Error"), REST_DOCS, headers)
        if kind.startswith("secondary_limit"):
            status = 429 if kind.endswith("429") else 403
            message = SECONDARY_MESSAGE.format(rid=headers["X-GitHub-Request-Id"])
            headers["Retry-After"] = str(fault.retry_after)
            body = {"message": message, "documentation_url": f"{RATE_DOCS}#secondary-rate-limits"}
            return status, headers, json.dumps(body).encode()
        if kind == "primary_limit":
            login = self._authenticate() or ""
            limit = self.contract.rate.limit
            reset = int(self.contract.world.clock()) + fault.reset_in
            headers.update(Budget(limit, 0, reset, limit).headers())
            return self._primary_limit(login, reset, headers)
        if kind == "ref_exists_422":
            return self._error(ApiError(422, "Reference already exists"), REST_DOCS, headers)
        raise AssertionError(kind)

    # ------------------------------------------------------------------ git smart HTTP

    def _git(self, path: str, query: str, body: bytes) -> None:
        server = self.contract
        method = self.command.upper()
        parts = path.split("/", 4)  # "", "git", owner, "name.git", rest
        service = "?"
        if len(parts) < 5 or not parts[3].endswith(".git"):
            self._git_reply(method, "?", service, 404, [], b"Repository not found.\n")
            return
        owner, name, rest = parts[2], parts[3].removesuffix(".git"), parts[4]
        service = rest
        if rest == "info/refs":
            service = f"info/refs?{query}" if query else rest
        repo = server.world.find_repo(owner, name)
        full = f"{owner}/{name}"
        if repo is None:
            self._git_reply(method, full, service, 404, [], b"Repository not found.\n")
            return
        fault = server.faults.pick(method, f"git:{rest}")
        if fault is not None and fault.kind == "reset_before":
            server.git_calls.append(GitCall(method, repo.full_name, service, 0))
            self._reset()
            return
        if fault is not None and fault.kind.startswith("status_"):
            status = int(fault.kind.removeprefix("status_"))
            self._git_reply(method, repo.full_name, service, status, [], b"Server Error\n")
            return
        pushing = rest == "git-receive-pack" or "service=git-receive-pack" in query
        login = self._basic_login()
        if login is None and (pushing or repo.private):
            challenge = [("WWW-Authenticate", 'Basic realm="GitHub"')]
            self._git_reply(method, repo.full_name, service, 401, challenge, b"")
            return
        result = gitops.http_backend(
            server.root / "repos",
            method=method,
            path_info=f"/{repo.owner.login}/{repo.name}.git/{rest}",
            query=query,
            headers=dict(self.headers.items()),
            body=body,
            remote_user=login or "",
        )
        if rest == "git-receive-pack" and result.status == 200:
            with server.world.lock:
                repo.updated_at = server.world.clock()
        if fault is not None and fault.kind == "reset_after":
            server.git_calls.append(GitCall(method, repo.full_name, service, 0))
            self._reset()
            return
        headers = [(k, v) for k, v in result.headers if k.lower() != "content-length"]
        self._git_reply(method, repo.full_name, service, result.status, headers, result.body)

    def _basic_login(self) -> str | None:
        scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            _, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        return self.contract.login_for(password)

    def _git_reply(
        self,
        method: str,
        repo: str,
        service: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        self.contract.git_calls.append(GitCall(method, repo, service, status))
        out = dict(headers)
        out.setdefault("Content-Type", "text/plain")
        self._send(status, out, body)


def _fallback_schema(error: ApiError) -> str:
    """The schema an error body has when the operation does not document its status."""
    if error.errors and all(isinstance(e, str) for e in error.errors):
        return "validation-error-simple"
    if error.status == 422:
        return "validation-error"
    return "basic-error"
