"""moto's server on loopback: the AWS stand-in for the local stack, tests and benchmarks."""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from local_stack import moto_patches
from local_stack.journal import Journal

LOOPBACK = "127.0.0.1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


class _Server(ThreadedMotoServer):
    """moto's threaded server, its application kept (and journaled when asked)."""

    def __init__(self, port: int, journal: Journal | None) -> None:
        super().__init__(ip_address=LOOPBACK, port=port, verbose=False)
        self.app = DomainDispatcherApplication(create_backend_app)
        self.journal = journal

    def _server_entry(self) -> None:
        app = self.journal.middleware(self.app) if self.journal else self.app
        self._server = make_server(
            LOOPBACK, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass
class MotoServer:
    server: _Server
    endpoint: str

    @property
    def journal(self) -> Journal | None:
        return self.server.journal

    def replay_journal(self, after: int) -> int:
        """Apply the journal's entries newer than `after` (see `journal.py`)."""
        return self.server.journal.replay(self.server.app, after) if self.server.journal else 0

    def reset(self) -> None:
        """Wipe every resource and item (moto's own reset API)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        self.server.stop()
        if self.server.journal is not None:
            self.server.journal.close()


def start_moto(port: int | None = None, journal: Journal | None = None) -> MotoServer:
    """Start moto's threaded server on loopback only (it refuses other addresses).

    With a `journal`, every request that changes moto's state is journaled
    before it is answered.
    """
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_patches.apply()
    port = port or free_port()
    server = _Server(port, journal)
    server.start()
    return MotoServer(server, f"http://{LOOPBACK}:{port}")


def point_boto3_at(endpoint: str, region: str = "us-east-1") -> dict[str, str]:
    """The environment that sends every boto3 client to `endpoint`."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": region, **FAKE_CREDENTIALS}


@contextmanager
def running_moto() -> Iterator[MotoServer]:
    """moto for the duration of a block, with boto3 pointed at it through the environment."""
    moto = start_moto()
    saved = {key: os.environ.get(key) for key in point_boto3_at(moto.endpoint)}
    os.environ.update(point_boto3_at(moto.endpoint))
    try:
        yield moto
    finally:
        moto.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
