"""The DynamoDB command log against moto honours the command log contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from adapters.dynamodb_command_log import DynamoDBCommandLog
from commands.command_log import CommandLog
from resources.definitions import COMMAND_LOG
from tests.contracts.command_log import CommandLogContract

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


class TestDynamoDBCommandLog(CommandLogContract):
    @pytest.fixture(autouse=True)
    def _moto(self, aws: AwsContext) -> None:
        self.aws = aws

    def create_log(self) -> CommandLog:
        return DynamoDBCommandLog(self.aws.naming.table(COMMAND_LOG), client=self.aws.dynamodb)
