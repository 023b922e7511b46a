"""The exported command schema stays equal to the models."""

from commands.schema import DEFAULT_PATH, render


def test_the_committed_command_schema_matches_the_models() -> None:
    assert DEFAULT_PATH.read_text() == render(), "run: python -m commands.schema"
