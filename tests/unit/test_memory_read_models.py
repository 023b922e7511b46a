"""The in-memory read models honour the read-model contract; so does the port's bulk load."""

from __future__ import annotations

from adapters.memory_read_models import InMemoryReadModels
from projections.read_models import ReadModels
from projections.views import AlbumView, PhotoView, ShareRow, TagRow
from tests.contracts.read_models import ReadModelsContract, write_a_bit_of_everything


class TestInMemoryReadModels(ReadModelsContract):
    def create_read_models(self) -> ReadModels:
        return InMemoryReadModels()


def test_the_ports_row_by_row_bulk_load_writes_what_the_single_writes_would() -> None:
    reference, models = InMemoryReadModels(), InMemoryReadModels()
    write_a_bit_of_everything(reference)
    dump = reference.dump()

    ReadModels.bulk_load(
        models,
        [
            *(AlbumView.model_validate(row) for row in dump["album-views"]),
            *(PhotoView.model_validate(row) for row in dump["photo-views"]),
        ],
        [TagRow.model_validate(row) for row in dump["tag-views"]],
        [ShareRow.model_validate(row) for row in dump["share-views"]],
    )

    assert models.dump() == dump
