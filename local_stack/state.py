"""The local stack's state on disk: moto's backends, pickled, plus our own positions.

Plain pickle works for moto's DynamoDB, S3 and SNS backends. SQS holds locks
and Cognito holds RSA key objects, which pickle refuses; the reducers below
turn a lock into a fresh lock and a key into its PEM text. The file is
written to a temporary name and renamed, so a crash mid-write never leaves a
half-written state behind.
"""

from __future__ import annotations

import copyreg
import io
import pickle
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.backends import get_backend


def _live_backends() -> dict[str, Any]:
    """moto's in-process backends of every service the stack uses, by service name."""
    return {
        "dynamodb": get_backend("dynamodb"),
        "dynamodbstreams": get_backend("dynamodbstreams"),
        "sqs": get_backend("sqs"),
        "sns": get_backend("sns"),
        "s3": get_backend("s3"),
        "cognito-idp": get_backend("cognito-idp"),
    }


STATE_FILE = "moto-state.pickle"
FORMAT = 1


def _new_rlock() -> Any:
    return threading.RLock()


def _new_lock() -> Any:
    return threading.Lock()


def _load_rsa_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _reduce_rsa_key(key: rsa.RSAPrivateKey) -> tuple[Any, tuple[bytes]]:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _load_rsa_key, (pem,)


def _dispatch_table() -> dict[type, Any]:
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    table[type(threading.RLock())] = lambda lock: (_new_rlock, ())
    table[type(threading.Lock())] = lambda lock: (_new_lock, ())
    sample = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    table[type(sample)] = _reduce_rsa_key
    return table


_TABLE: dict[type, Any] | None = None


def dumps(extra: dict[str, Any]) -> bytes:
    """Every service's backends and `extra`, as bytes."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _dispatch_table()
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TABLE
    backends = {name: dict(live) for name, live in _live_backends().items()}
    pickler.dump({"format": FORMAT, "backends": backends, "extra": extra})
    return buffer.getvalue()


def loads(data: bytes) -> dict[str, Any]:
    """Put the backends of `data` in place of the live ones; return the extra state."""
    saved = pickle.loads(data)
    if saved.get("format") != FORMAT:
        raise ValueError(f"state format {saved.get('format')} is not {FORMAT}")
    live_backends = _live_backends()
    for name, accounts in saved["backends"].items():
        live = live_backends[name]
        live.clear()
        live.update(accounts)
    extra: dict[str, Any] = saved["extra"]
    return extra


def save(folder: Path, extra: dict[str, Any]) -> None:
    data = dumps(extra)
    target = folder / STATE_FILE
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)


def load(folder: Path) -> dict[str, Any] | None:
    """Restore the saved state, if any; return its extra state (None when there was none)."""
    target = folder / STATE_FILE
    if not target.exists():
        return None
    return loads(target.read_bytes())
