"""The loopback emulator: one HTTP server answering Azure Resource Manager and the Databricks API.

Every request needs `Authorization: Bearer <sim token>`; faults (latency, throttling, errors) are
applied after authentication and never touch state. State is one lock-guarded store; with a
`state_path` it is saved (atomically) after every request that changed something, at `stop()` and
at interpreter exit, so a killed process loses nothing it already answered.
"""
from __future__ import annotations

import atexit
import copy
import json
import os
import random
import socket
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from medallion.emulator.arm.operations import Operations
from medallion.emulator.arm.request import ArmRequest
from medallion.emulator.arm.service import ArmService
from medallion.emulator.arm_store import ArmStore, clean_path, parse, type_of
from medallion.emulator.databricks.discovery import host_metadata
from medallion.emulator.scenario import load_scenario, normalised

# Well-known demo tokens of the simulated estate (not secrets): Owner and Reader roles.
OWNER_TOKEN = "sim-owner-token"
READER_TOKEN = "sim-reader-token"
_ROLES = {OWNER_TOKEN: "owner", READER_TOKEN: "reader"}
_WRITES = {"PUT", "PATCH", "DELETE", "POST"}
_RATE_BUDGET = 12000


@dataclass(frozen=True)
class Faults:
    """Injected trouble: a delay on every request, and a share answered 429 or 503.

    Both carry `Retry-After: 1` and `retry-after-ms: 50`; azure-core reads Retry-After first, so
    each fault costs an Azure SDK call about one second (databricks-sdk likewise)."""

    latency_ms: int = 0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    seed: int | None = None
    lro_ms: int = 0                   # how long each long-running operation stays in progress
    fail_operation: str = ""          # long-running operations on ids containing this text fail

    def __post_init__(self) -> None:
        for name in ("latency_ms", "lro_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0; got {getattr(self, name)}")
        for name in ("throttle_rate", "error_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1; got {value}")


@dataclass
class Reply:
    status: int
    body: Any = None                  # dict/list -> JSON, str -> text, bytes -> raw, None -> empty
    headers: dict[str, str] | None = None


class Emulator:
    """ARM and Databricks on one loopback port, seeded from a scenario or a saved state file."""

    def __init__(self, scenario: dict[str, Any], *, state_path: Path | None = None,
                 faults: Faults = Faults(), port: int = 0) -> None:
        self.state_path = Path(state_path) if state_path else None
        if self.state_path and self.state_path.exists():
            scenario = load_scenario(self.state_path)     # a saved state wins over the scenario
        scenario = normalised(scenario, "scenario")
        self.faults, self.port = faults, port
        self.requests: list[dict[str, Any]] = []
        self._previous_requests = list(scenario.get("requests") or [])
        self._lock = threading.RLock()
        self._rng = random.Random(faults.seed)
        self._store = ArmStore.from_entries(scenario.get("arm") or [])
        self._arm = ArmService(self._store, Operations(faults.lro_ms, faults.fail_operation))
        self._databricks_state = copy.deepcopy(scenario.get("databricks") or {})
        self._databricks: Any = None
        self._reads = self._writes = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> "Emulator":
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.emulator = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="medallion-emulator",
                                        daemon=True)
        self._thread.start()
        atexit.register(self._save)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        atexit.unregister(self._save)
        self._save()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state ----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The scenario shape of the current state, plus the request log of every run so far."""
        with self._lock:
            databricks = (self._databricks.to_state() if self._databricks is not None
                          else self._databricks_state)
            return {"arm": self._store.to_entries(), "databricks": databricks,
                    "requests": self._previous_requests + list(self.requests)}

    def _save(self) -> None:
        if not self.state_path:
            return
        data = json.dumps(self.state(), indent=1)
        tmp = self.state_path.with_name(f".{self.state_path.name}.{os.getpid()}.tmp")
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(data)
        os.replace(tmp, self.state_path)

    # --- requests -------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: Any, raw: bytes) -> Reply:
        """Answer one request: authenticate, authorise, inject faults, dispatch, log, save.

        The log keeps each request's wall-clock start and end, so the benchmark can tell which
        requests overlapped and count the sequential rounds on the critical path."""
        started = time.time()
        split = urlsplit(target)
        path = clean_path(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        lowered = path.lower()
        is_arm = lowered.startswith("/subscriptions")
        if not is_arm and not lowered.startswith(("/api/", "/.well-known/")):
            reply = Reply(404, {"error": {"code": "NotFound", "message": f"No such path '{path}'."}})
        else:
            reply = self._authorised(method, path, query, headers, raw, is_arm)
        if is_arm:
            reply.headers = {**self._arm_headers(method, reply.status), **(reply.headers or {})}
        with self._lock:
            self.requests.append({"method": method, "path": path, "query": split.query, "status": reply.status,
                                  "start": round(started, 6), "end": round(time.time(), 6)})
            if method in _WRITES and reply.status < 400:
                self._save()
        return reply

    def _authorised(self, method: str, path: str, query: dict[str, str], headers: Any,
                    raw: bytes, is_arm: bool) -> Reply:
        auth = headers.get("Authorization") or ""
        role = _ROLES.get(auth[7:].strip()) if auth.lower().startswith("bearer ") else None
        if role is None and method == "GET" and path.lower().startswith("/.well-known/"):
            role = "reader"    # host metadata is public on a real workspace; the SDK sends no token
        if role is None:
            why = "missing" if not auth else "not a valid token for this emulator"
            return _error(is_arm, 401, "AuthenticationFailed", "UNAUTHENTICATED",
                          f"Authentication failed: the bearer token is {why}. Use "
                          f"'{OWNER_TOKEN}' or '{READER_TOKEN}'.")
        if role == "reader" and (method in _WRITES if is_arm else method != "GET"):
            return _forbidden(is_arm, method, path)
        fault = self._fault(is_arm)
        if fault is not None:
            return fault
        try:
            with self._lock:
                if is_arm:
                    return self._handle_arm(method, path, query, headers, raw, role)
                if path.lower() == "/.well-known/databricks-config" and method == "GET":
                    return Reply(200, host_metadata(self._host(headers), self._workspace_id()))
                return self._handle_databricks(method, path, query, raw)
        except Exception as exc:   # a bug in a handler must not kill the connection silently
            traceback.print_exc(file=sys.stderr)
            return _error(is_arm, 500, "InternalServerError", "INTERNAL_ERROR",
                          f"The emulator failed: {type(exc).__name__}: {exc}")

    def _fault(self, is_arm: bool) -> Reply | None:
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        with self._lock:
            throttled = self._rng.random() < self.faults.throttle_rate
            failed = self._rng.random() < self.faults.error_rate
        retry = {"Retry-After": "1", "retry-after-ms": "50", "x-ms-retry-after-ms": "50"}
        if throttled:
            reply = _error(is_arm, 429, "TooManyRequests", "TOO_MANY_REQUESTS",
                           "The request is being throttled. Retry after the Retry-After interval.")
            reply.headers = {**retry, "x-ms-ratelimit-remaining-subscription-reads": "0",
                             "x-ms-ratelimit-remaining-subscription-writes": "0"}
            return reply
        if failed:
            reply = _error(is_arm, 503, "ServiceUnavailable", "TEMPORARILY_UNAVAILABLE",
                           "The service is temporarily unavailable. Retry later.")
            reply.headers = dict(retry)
            return reply
        return None

    def _handle_arm(self, method: str, path: str, query: dict[str, str], headers: Any,
                    raw: bytes, role: str) -> Reply:
        ctype = (headers.get("Content-Type") or "").lower()
        body: Any = None
        if raw:
            if "json" in ctype or (not ctype and raw.lstrip()[:1] in (b"{", b"[")):
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    return _error(True, 400, "InvalidRequestContent", "",
                                  f"The request content is not valid JSON: {exc}.")
            else:
                body = raw.decode("utf-8", errors="replace")
        answer = self._arm.handle(ArmRequest(method, path, query, body, self._host(headers), role))
        return Reply(answer.status, answer.body, dict(answer.headers))

    def _host(self, headers: Any) -> str:
        """The Host header the client sent: URLs in answers point back where the client called."""
        return headers.get("Host") or self.url.split("://", 1)[1]

    def _workspace_id(self) -> str | None:
        """The numeric id of the estate's (first) Databricks workspace, as its host metadata gives it."""
        for body in self._store.items.values():
            if body.get("type", "").lower() == "microsoft.databricks/workspaces":
                return str((body.get("properties") or {}).get("workspaceId") or "") or None
        return None

    def _handle_databricks(self, method: str, path: str, query: dict[str, str], raw: bytes) -> Reply:
        service = self._databricks_service()
        if service is None:
            if path.lower().startswith("/.well-known/"):
                return Reply(404, {"error_code": "NOT_FOUND", "message": f"No such path '{path}'."})
            return Reply(501, {"error_code": "NOT_IMPLEMENTED",
                               "message": "The Databricks side of the emulator is not available "
                                          "(medallion.emulator.databricks is missing)."})
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:
            return Reply(400, {"error_code": "MALFORMED_REQUEST", "message": f"Invalid JSON: {exc}"})
        status, answer = service.handle(method, path, query, body)
        return Reply(status, answer)

    def _databricks_service(self) -> Any:
        """Build the Databricks service on first use; None while its module does not exist."""
        if self._databricks is None:
            try:
                from medallion.emulator.databricks import DatabricksService
            except ModuleNotFoundError as exc:
                if exc.name != "medallion.emulator.databricks":
                    raise
                return None
            self._databricks = DatabricksService(self._databricks_state, run_ms=self.faults.lro_ms)
        return self._databricks

    def _arm_headers(self, method: str, status: int) -> dict[str, str]:
        with self._lock:
            if method in _WRITES:
                self._writes += 1
            else:
                self._reads += 1
            reads, writes = self._reads, self._writes
        request_id = str(uuid.uuid4())
        return {"x-ms-request-id": request_id, "x-ms-correlation-request-id": request_id,
                "x-ms-ratelimit-remaining-subscription-reads": str(max(0, _RATE_BUDGET - reads)),
                "x-ms-ratelimit-remaining-subscription-writes": str(max(0, _RATE_BUDGET - writes))}


def _error(is_arm: bool, status: int, arm_code: str, dbx_code: str, message: str) -> Reply:
    if is_arm:
        return Reply(status, {"error": {"code": arm_code, "message": message}})
    return Reply(status, {"error_code": dbx_code, "message": message})


def _forbidden(is_arm: bool, method: str, path: str) -> Reply:
    if not is_arm:
        return Reply(403, {"error_code": "PERMISSION_DENIED",
                           "message": f"The reader token may not {method} {path}: read-only access."})
    p = parse(path)
    if p.providers_at is not None and p.is_collection and len(p.rest) > 1:   # POST action
        scope = "/" + "/".join(p.segments[:-1])
        action = f"{type_of(scope)}/{p.segments[-1]}/action"
    else:
        scope = path
        action = f"{type_of(path)}/{'delete' if method == 'DELETE' else 'write'}"
        if type_of(path) == "Microsoft.Resources/resourceGroups":
            action = f"Microsoft.Resources/subscriptions/resourceGroups/{action.rsplit('/', 1)[1]}"
    return Reply(403, {"error": {"code": "AuthorizationFailed", "message": (
        f"The client 'sim-reader' with object id '00000000-0000-0000-0000-00000000000r' does not "
        f"have authorization to perform action '{action}' over scope '{scope}' or the scope is "
        "invalid. If access was recently granted, please refresh your credentials.")}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog of 5 drops connections when a run opens dozens at once (and the
    # accepting thread waits for the GIL): the client's SYN is retried a second later, a delay no
    # real endpoint adds.
    request_queue_size = 128
    emulator: Emulator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections too, so nothing is served after stop()."""
        with self._connections_lock:
            for conn in list(self._connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True     # FIELD_NOTES: otherwise ~40 ms per request

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        reply = self.server.emulator.handle(self.command, self.path, self.headers, raw)
        body, ctype = _encode(reply.body)
        self.send_response(reply.status)
        for name, value in (reply.headers or {}).items():
            self.send_header(name, value)
        if body or self.command != "HEAD":
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:   # quiet: the request log is in memory
        pass


def _encode(body: Any) -> tuple[bytes, str]:
    if body is None:
        return b"", "application/json"
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json; charset=utf-8"
