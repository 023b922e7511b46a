"""Export the JSON schema of the command envelope: `python -m commands.schema [PATH]`.

The committed copy (docs/commands.schema.json) is what the API documentation
uses; a test keeps it equal to the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from commands.models import envelope_schema

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "commands.schema.json"


def render() -> str:
    return json.dumps(envelope_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_PATH
    path.write_text(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
