"""moto's writes, journaled before they are answered: an acknowledgement survives SIGKILL.

moto keeps everything in memory, and the stack saves all of it every few
seconds (`state.py`). Between two snapshots, the journal holds every request
that changed moto's state, appended (and flushed to the operating system)
before moto's answer leaves the server. So when the API answers 202, the
command's record and its queue message are in the journal; if the stack is
then killed, the next start restores the last snapshot and replays the
journal's newer entries, in order, into moto.

The journal is a WSGI middleware around moto's application. Writes pass
through a gate one at a time, so the journal's order is the order moto
applied them, and a snapshot holds the gate while it pickles, so it sees no
half-applied write and can truncate the journal exactly.

What is journaled:
- DynamoDB: every action but reads (Get, BatchGet, Query, Scan, Describe,
  List, TransactGet). A write moto refused (a failed condition) is not.
- SQS: sends. Receives, deletes and visibility changes are not: a receipt
  handle is random, so they cannot be replayed. A replayed send without its
  delete delivers the message again, which every consumer already tolerates
  (delivery is at least once, on AWS as here).
- S3: PUT, POST and DELETE (uploads, presigned form uploads included).

What is not, and why: DynamoDB Streams (its records are made again by the
replayed writes), SNS publishes (the publisher publishes again from those
records), Cognito (a new user's id is random; the demo accounts are made on
every start), and S3 multipart uploads (random upload ids; Retake does not
use them).
"""

from __future__ import annotations

import io
import logging
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs

from werkzeug.test import EnvironBuilder

log = logging.getLogger("retake.journal")

JOURNAL_FILE = "moto-journal.pickles"

DYNAMODB_READS = ("Get", "BatchGet", "Query", "Scan", "Describe", "List", "TransactGet")
SQS_WRITES = frozenset({"SendMessage", "SendMessageBatch"})
S3_WRITES = frozenset({"PUT", "POST", "DELETE"})

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Entry:
    """One request that changed moto's state, as it reached moto."""

    seq: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def environ(self) -> dict[str, Any]:
        builder = EnvironBuilder(
            path=self.path,
            method=self.method,
            query_string=self.query,
            headers=list(self.headers.items()),
            data=self.body,
        )
        try:
            environ: dict[str, Any] = builder.get_environ()
        finally:
            builder.close()
        return environ


def _credential_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4 credential scope names (header, presigned query or none)."""
    credential = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in credential:
        scope = credential.split("Credential=", 1)[1].split(",", 1)[0]
    else:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        scope = (query.get("X-Amz-Credential") or [""])[0]
    parts = scope.split("/")
    return parts[3] if len(parts) >= 5 else None


def changes_state(environ: dict[str, Any], body: bytes) -> bool:
    """Whether the request may change what moto holds (and must therefore be journaled)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB_"):
        return not target.split(".", 1)[-1].startswith(DYNAMODB_READS)
    if target.startswith("AmazonSQS."):
        return target.split(".", 1)[-1] in SQS_WRITES
    if target:
        return False  # DynamoDB Streams, Cognito, and the rest of the JSON protocols
    method = environ.get("REQUEST_METHOD", "GET")
    service = _credential_service(environ)
    if service == "sqs":  # the query protocol: the action is a form field
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return action in SQS_WRITES
    if service == "s3":
        return method in S3_WRITES and "uploadId" not in environ.get("QUERY_STRING", "")
    # A browser's presigned POST carries its credential inside the form.
    content_type = environ.get("CONTENT_TYPE", "")
    return service is None and method == "POST" and content_type.startswith("multipart/form-data")


def _request_body(environ: dict[str, Any]) -> bytes:
    """The whole body: Content-Length bytes, or a chunked body to its end, or none."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""  # no length and not chunked: there is no body (a GET, a HEAD)


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").title(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_") and key != "HTTP_CONTENT_LENGTH"
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (still percent-encoded), without the query."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw).split("?", 1)[0]
    return str(environ.get("PATH_INFO", "/"))


@dataclass
class Journal:
    """The journal file of a data folder, and the gate every write passes through."""

    path: Path
    seq: int = 0
    _gate: threading.Lock = field(default_factory=threading.Lock)
    _file: BinaryIO | None = None

    # -- writing -----------------------------------------------------------------------

    def middleware(self, app: WsgiApp) -> WsgiApp:
        """`app` with every state-changing request journaled before it is answered."""

        def journaled(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            body = _request_body(environ)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            if not changes_state(environ, body):
                return app(environ, start_response)
            answer: dict[str, Any] = {}

            def keep(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                answer["status"], answer["headers"] = status, headers
                return lambda chunk: None

            with self._gate:
                chunks = app(environ, keep)
                try:
                    content = b"".join(chunks)
                finally:
                    close = getattr(chunks, "close", None)
                    if close is not None:
                        close()
                if answer["status"].startswith("2"):
                    self._append(environ, body)
            start_response(answer["status"], answer["headers"])
            return [content]

        return journaled

    def _append(self, environ: dict[str, Any], body: bytes) -> None:
        self.seq += 1
        entry = Entry(
            seq=self.seq,
            method=environ.get("REQUEST_METHOD", "GET"),
            path=_raw_path(environ),
            query=environ.get("QUERY_STRING", ""),
            headers=_headers(environ),
            body=body,
        )
        if self._file is None:
            self._file = self.path.open("ab")
        pickle.dump(entry, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        # Flushed to the operating system: a SIGKILL of this process loses nothing.
        self._file.flush()

    @contextmanager
    def paused(self) -> Iterator[int]:
        """No write reaches moto inside the block; yields the last journaled seq."""
        with self._gate:
            yield self.seq

    def truncate(self) -> None:
        """Forget every entry (call while paused, once a snapshot holds them)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.write_bytes(b"")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- reading -----------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        """The journal's entries in order; a last entry cut short by a kill is skipped."""
        if not self.path.exists():
            return
        with self.path.open("rb") as stream:
            while True:
                try:
                    entry = pickle.load(stream)
                except EOFError:
                    return
                except (pickle.UnpicklingError, ValueError, AttributeError) as error:
                    log.warning("journal ends in a partial entry (%s); the rest is ignored", error)
                    return
                yield entry

    def replay(self, app: WsgiApp, after: int = 0) -> int:
        """Apply every entry newer than seq `after` to moto; return how many were applied."""
        replayed = 0
        for entry in self.entries():
            self.seq = max(self.seq, entry.seq)
            if entry.seq <= after:
                continue
            status = _apply(app, entry)
            if not status.startswith("2"):
                log.warning(
                    "journal entry %d (%s %s) was refused on replay: %s",
                    entry.seq, entry.method, entry.path, status,
                )  # fmt: skip
            replayed += 1
        self.seq = max(self.seq, after)
        return replayed


def _apply(app: WsgiApp, entry: Entry) -> str:
    """Send one entry to moto's application; its answer's status line."""
    status: list[str] = []
    b"".join(app(entry.environ(), lambda line, headers, *rest: status.append(line)))
    return status[0] if status else "no answer"
