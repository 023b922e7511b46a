"""`Idempotency-Key`: a repeated write request names the same commands, not new ones.

A client whose write got no answer (a timeout, a 502) cannot tell whether it
was acted on. Sent with an `Idempotency-Key` header, the request mints every
id it needs (its command ids, a new album's or photo's id) from the key and
the caller instead of at random, so repeating it names the same commands: the
command log keeps the first record of a command id, SQS FIFO drops a second
message with the same deduplication id, and the worker applies a command at
most once. The repeat answers as the first did and changes nothing. The same
key with a different request is refused (422 `idempotency_key_reused`).
Without the header every request is new, as before.

Powertools' idempotency utility would do this by storing whole responses in a
table of its own, with an in-progress lock and an expiry. Here the command log
already is a write-once record per command id, so deriving the ids is enough:
no second table, permission or expiry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID, uuid4, uuid5

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from api.errors import ApiError, BadRequest
from api.identity import Identity

HEADER = "Idempotency-Key"
PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
_KEY = re.compile(PATTERN)
#: Fixed forever: the ids a key mints must not change between deployments.
_NAMESPACE = UUID("6f1d2a52-3c1e-4d8b-9a57-2f0e8c4b7d31")


class IdempotencyKeyReused(ApiError):
    status = 422
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class RequestIds:
    """The ids one request mints: random, or derived from the caller's idempotency key."""

    user_id: str
    key: str | None = None

    def mint(self, purpose: str) -> str:
        """A new id for `purpose` ("album", "command 0", ...): the same on every repeat."""
        if self.key is None:
            return str(uuid4())
        return str(uuid5(_NAMESPACE, f"{self.user_id}\n{self.key}\n{purpose}"))


def request_ids(event: BaseProxyEvent, identity: Identity) -> RequestIds:
    """The ids of this request; a malformed `Idempotency-Key` is refused (400)."""
    key = event.headers.get(HEADER)
    if key is not None and not _KEY.match(key):
        raise BadRequest(
            f"{HEADER} must be 1 to 128 letters, digits or any of . _ : - (a UUID will do).",
            field=HEADER,
        )
    return RequestIds(identity.user_id, key)
