"""The in-memory command log honours the command log contract."""

from __future__ import annotations

from adapters.memory import InMemoryCommandLog
from commands.command_log import CommandLog
from tests.contracts.command_log import CommandLogContract


class TestInMemoryCommandLog(CommandLogContract):
    def create_log(self) -> CommandLog:
        return InMemoryCommandLog()
