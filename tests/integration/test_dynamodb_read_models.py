"""The DynamoDB read models against moto: the contract, cursors, batches and request counts."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from adapters.dynamodb_read_models import DynamoDBReadModels
from adapters.read_model_items import ReadTables
from projections.read_models import InvalidCursor, ReadModels
from tests.contracts.read_models import ReadModelsContract, album, photo, tag_row

if TYPE_CHECKING:
    from tests.integration.conftest import AwsContext


def dynamodb_read_models(aws: AwsContext) -> DynamoDBReadModels:
    return DynamoDBReadModels(aws.naming, client=aws.dynamodb, sleep=lambda seconds: None)


class TestDynamoDBReadModels(ReadModelsContract):
    @pytest.fixture(autouse=True)
    def _moto(self, aws: AwsContext) -> None:
        self.aws = aws

    def create_read_models(self) -> ReadModels:
        return dynamodb_read_models(self.aws)


def test_the_tables_are_named_by_the_deployment(aws: AwsContext) -> None:
    tables = ReadTables.of(aws.naming)
    assert (tables.albums, tables.shares) == ("test-album-views", "test-share-views")
    assert DynamoDBReadModels(tables).tables == tables


@pytest.mark.parametrize(
    "key",
    [
        "not json",
        {},
        {"owner_tag": {"S": "alice#sea"}},
        {"owner_tag": {"S": "bob#sea"}, "photo_id": {"S": "p1"}},
        {"owner_tag": {"N": "1"}, "photo_id": {"S": "p1"}},
        ["owner_tag", "photo_id"],
    ],
)
def test_a_cursor_that_is_not_a_key_of_this_listing_is_refused(aws: AwsContext, key: Any) -> None:
    models = dynamodb_read_models(aws)
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    with pytest.raises(InvalidCursor):
        models.tagged("alice", "sea", cursor=cursor)


def test_a_page_is_one_query_that_reads_one_row_more_than_it_returns(aws: AwsContext) -> None:
    models = dynamodb_read_models(aws)
    for second in range(7):
        models.put_view(photo(second=second, album_id="a1"), expected_version=None)
    models.stats.reset()

    page = models.photos_in("a1", limit=3)

    assert (models.stats.requests, models.stats.items_read) == (1, 4)
    assert page.cursor is not None and len(page.items) == 3


def test_get_photos_asks_for_100_keys_a_request_and_retries_unprocessed_ones(
    aws: AwsContext,
) -> None:
    models = dynamodb_read_models(aws)
    photos = [photo(second=n % 60, photo_id=f"p{n:03d}") for n in range(130)]
    models.bulk_load(photos)
    held_back = hold_back_half(aws, "BatchGetItem", "Responses", "UnprocessedKeys")
    models.stats.reset()

    found = models.get_photos([view.photo_id for view in reversed(photos)])

    assert found == photos[::-1]
    assert held_back  # DynamoDB's throttling, as a response
    assert models.stats.requests == 2 + len(held_back)


def test_view_versions_are_one_batch_get_over_both_view_tables_reading_key_and_version(
    aws: AwsContext,
) -> None:
    models = dynamodb_read_models(aws)
    shared, loose = album(version=2), photo(version=3, album_id="a1")
    models.bulk_load([shared, loose])
    asked = sent(aws, "BatchGetItem")
    models.stats.reset()

    versions = models.view_versions([shared.album_id, loose.photo_id, "missing"])

    assert versions == {shared.album_id: 2, loose.photo_id: 3}
    assert (models.stats.requests, models.stats.items_read) == (1, 2)
    [request] = asked
    assert set(request) == {models.tables.albums, models.tables.photos}
    for table, key in ((models.tables.albums, "album_id"), (models.tables.photos, "photo_id")):
        assert len(request[table]["Keys"]) == 3
        names = request[table]["ExpressionAttributeNames"]
        projected = {
            names[name.strip()] for name in request[table]["ProjectionExpression"].split(",")
        }
        assert projected == {key, "version"}


def test_view_versions_retry_unprocessed_keys(aws: AwsContext) -> None:
    models = dynamodb_read_models(aws)
    views = [album(second=n, album_id=f"a{n:02d}") for n in range(10)]
    views += [photo(second=n, photo_id=f"p{n:02d}") for n in range(10)]
    models.bulk_load(views)
    held_back = hold_back_half(aws, "BatchGetItem", "Responses", "UnprocessedKeys")
    models.stats.reset()

    versions = models.view_versions([*(f"a{n:02d}" for n in range(10)),
                                     *(f"p{n:02d}" for n in range(10))])  # fmt: skip

    assert len(versions) == 20
    assert held_back
    assert models.stats.requests == 2


def test_batch_writes_retry_unprocessed_items(aws: AwsContext) -> None:
    models = dynamodb_read_models(aws)
    rows = [tag_row(photo_id=f"p{n:02d}") for n in range(30)]
    held_back = hold_back_half(aws, "BatchWriteItem", None, "UnprocessedItems")

    models.bulk_load([], rows)

    assert held_back
    assert len(models.tagged("alice", "sea", limit=100).items) == 30


def hold_back_half(
    aws: AwsContext, operation: str, found: str | None, unprocessed: str
) -> list[int]:
    """Make DynamoDB answer the first call to `operation` as if throttled: half left over.

    For writes the held-back half is written anyway (moto already did); writing it again is
    what a retry does, and it must be harmless.
    """
    calls: list[int] = []

    def answer(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name != operation or calls:
            return
        if found is not None:
            for table, items in parsed.get(found, {}).items():
                half = len(items) // 2
                parsed[found][table] = items[half:]
                key = "album_id" if table.endswith("album-views") else "photo_id"
                held = {"Keys": [{key: item[key]} for item in items[:half]]}
                # What was asked of the table besides its keys (a projection) is asked again.
                asked = getattr(answer, "request", {}).get(table, {})
                parsed.setdefault(unprocessed, {})[table] = {**asked, **held}
                calls.append(half)
        else:
            request = getattr(answer, "request", {})
            parsed[unprocessed] = {t: list(r)[: len(r) // 2] for t, r in request.items()}
            calls.append(1)

    def remember(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == operation:
            answer.request = params.get("RequestItems", {})  # type: ignore[attr-defined]

    aws.dynamodb.meta.events.register("provide-client-params.dynamodb.*", remember)
    aws.dynamodb.meta.events.register("after-call.dynamodb.*", answer)
    return calls


def sent(aws: AwsContext, operation: str) -> list[dict[str, Any]]:
    """The RequestItems of every call to `operation` from now on."""
    requests: list[dict[str, Any]] = []

    def remember(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == operation:
            requests.append(params.get("RequestItems", {}))

    aws.dynamodb.meta.events.register("provide-client-params.dynamodb.*", remember)
    return requests
