"""DynamoDB stream records as Lambda delivers them, back into the client's item shape.

Lambda's stream event carries images in DynamoDB JSON, like the low-level
client, except that binary values (`B`, `BS`) arrive base64-encoded: the JSON
cannot hold bytes. Decoding them gives the item `commit_from_item` reads.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any


def decode_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """An image from a Lambda stream event as a low-level client item."""
    return {name: _decode(value) for name, value in image.items()}


def _decode(value: Mapping[str, Any]) -> dict[str, Any]:
    [(kind, content)] = value.items()
    if kind == "B":
        return {"B": _bytes(content)}
    if kind == "BS":
        return {"BS": [_bytes(member) for member in content]}
    if kind == "L":
        return {"L": [_decode(member) for member in content]}
    if kind == "M":
        return {"M": decode_image(content)}
    return {kind: content}


def _bytes(content: str | bytes) -> bytes:
    # The local event source and the real one both send base64 text; bytes pass through.
    return content if isinstance(content, bytes) else base64.b64decode(content)
