"""Validation problems as sentences a person can act on ("Give a size of at least 1 byte.").

Pydantic names a problem by a type and a field path (`body.size`,
`greater_than_equal`); the path stays in the error's `details`, and the
message says what to do in the words of the form. A rule of the domain
(a title's length, a tag's characters) already speaks that way and keeps its
own message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Field names as people say them.
_LABELS = {
    "album_id": "album",
    "photo_id": "photo",
    "photo_ids": "photos",
    "target_command_id": "command",
    "command_id": "command",
    "content_type": "file type",
    "as_of": "moment",
    "stream_id": "album or photo",
    "display_name": "display name",
    "q": "search",
}
#: What a number counts, where a bare number would leave one guessing.
_UNITS = {"size": "byte"}
#: Pydantic's own problem types; any other type is a rule with a message of its own.
_PYDANTIC = frozenset(
    {
        "missing", "extra_forbidden", "greater_than_equal", "greater_than", "less_than_equal",
        "less_than", "string_too_short", "string_too_long", "too_short", "too_long",
        "uuid_parsing", "uuid_type", "int_parsing", "int_type", "int_from_float", "bool_parsing",
        "bool_type", "string_type", "literal_error", "enum", "list_type", "dict_type",
        "model_type", "model_attributes_type", "float_parsing", "datetime_parsing",
        "value_error", "assertion_error", "string_pattern_mismatch", "json_invalid",
    }
)  # fmt: skip


def label(location: Sequence[Any]) -> str:
    """The field a problem is about, as people say it ("file type"); the body as a whole: ''."""
    names = [str(part) for part in location if isinstance(part, str)]
    if names and names[0] in ("body", "query", "path", "header"):
        names = names[1:]
    if not names:
        return ""
    name = names[-1]
    return _LABELS.get(name, name.replace("_", " "))


def _count(number: Any, unit: str) -> str:
    if not unit:
        return str(number)
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "Check the request and try again."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def sentence(problem: Mapping[str, Any]) -> str:
    """One problem of a request as a sentence that says what to do."""
    kind = str(problem.get("type", ""))
    message = str(problem.get("msg", ""))
    context: Mapping[str, Any] = problem.get("ctx") or {}
    location = problem.get("loc", ())
    field = label(location)
    last = str(location[-1]) if location else ""
    unit = _UNITS.get(last, "")
    the = f"the {field}" if field else "the request"
    if kind not in _PYDANTIC:
        return _sentence(message)
    if kind == "missing":
        return f"Give {the}." if field else "Send a JSON body with this request."
    if kind == "extra_forbidden":
        return f'This request does not take "{last}"; leave it out.'
    if kind in ("greater_than_equal", "greater_than"):
        bound = context.get("ge", context.get("gt"))
        at_least = "at least" if kind == "greater_than_equal" else "more than"
        return f"Give a {field or 'value'} of {at_least} {_count(bound, unit)}."
    if kind in ("less_than_equal", "less_than"):
        bound = context.get("le", context.get("lt"))
        at_most = "at most" if kind == "less_than_equal" else "less than"
        return f"Give a {field or 'value'} of {at_most} {_count(bound, unit)}."
    if kind == "string_too_short":
        if context.get("min_length") == 1:
            return f"Give {the}; it cannot be empty."
        return f"Make {the} at least {context.get('min_length')} characters long."
    if kind == "string_too_long":
        return f"Shorten {the} to at most {context.get('max_length')} characters."
    if kind == "too_short":
        least = context.get("min_length")
        if least == 1:
            return f"Give at least one {field.removesuffix('s') or 'item'}."
        return f"Give at least {least} {field or 'items'}."
    if kind == "too_long":
        return f"Give at most {context.get('max_length')} {field or 'items'}."
    if kind in ("uuid_parsing", "uuid_type"):
        return f"That {field or 'id'} is not one Retake knows; pick it again."
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing"):
        return f"Give {the} as a whole number."
    if kind in ("bool_parsing", "bool_type"):
        return f"Give {the} as true or false."
    if kind in ("literal_error", "enum"):
        return f"Choose {the} from: {context.get('expected', 'the values listed in /docs')}."
    if kind == "string_pattern_mismatch":
        return f"{_sentence(the)[:-1]} has characters it cannot hold; see /docs."
    if kind in ("value_error", "assertion_error"):
        return _sentence(message.removeprefix("Value error, ").removeprefix("Assertion failed, "))
    return f"Check {the}: it is not in the form this request takes."


def summary(problems: Sequence[Mapping[str, Any]]) -> str:
    """The message of a request with these problems: each one's sentence, in order."""
    sentences = list(dict.fromkeys(sentence(problem) for problem in problems))
    return " ".join(sentences) if sentences else "Check the request and try again."
