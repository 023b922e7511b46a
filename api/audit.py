"""Audit routes, for auditors and support: search the trail, export it, verify the chains."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api.access import caller, deps, parse_instant
from api.errors import Forbidden, documented
from api.export import all_matching, to_csv, to_jsonl
from api.identity import Identity
from api.media import record_without_gps
from api.params import SIGNED_IN, Cursor
from api.people import commands_out, resolve_actor, with_actor_names
from api.schemas import ChainBreakOut, CommandList, Verification, VerifyRequest
from api.summaries import all_described

router = Router()
TAGS = ["Audit"]

Status = Literal["accepted", "succeeded", "rejected", "failed"]
Text = Annotated[str | None, Query(min_length=1, max_length=128)]
ActorFilter = Annotated[
    str | None,
    Query(min_length=1, max_length=128, description="A username (in any case) or a person's id."),
]
CommandType = Annotated[str | None, Query(min_length=1, max_length=64, description="e.g. TagPhoto")]
Instant = Annotated[str | None, Query(max_length=64, description="ISO 8601, inclusive.")]
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def auditor() -> Identity:
    identity = caller(router.current_event)
    if not identity.reads_everything:
        raise Forbidden("The audit trail is for auditors and support.")
    return identity


def _filters(
    actor: str | None,
    command_type: str | None,
    aggregate_id: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
) -> dict[str, Any]:
    instants: dict[str, datetime | None] = {
        "since": parse_instant(since, "since") if since else None,
        "until": parse_instant(until, "until") if until else None,
    }
    return {
        "actor": resolve_actor(actor) if actor else None,
        "command_type": command_type,
        "aggregate_id": aggregate_id,
        "status": status,
        **instants,
    }


@router.get(
    "/audit/commands",
    summary="Search the command log: by actor, type, aggregate, status and time range",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 403),
)
def search_commands(
    actor: ActorFilter = None,
    type: Annotated[
        str | None, Query(min_length=1, max_length=64, description="e.g. TagPhoto")
    ] = None,
    aggregate_id: Text = None,
    status: Status | None = None,
    since: Instant = None,
    until: Instant = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> CommandList:
    identity = auditor()
    filters = _filters(actor, type, aggregate_id, status, since, until)
    page = deps().log.search(**filters, limit=limit, cursor=cursor)
    items = commands_out(all_described(record_without_gps(item) for item in page.items), identity)
    return CommandList(items=items, cursor=page.cursor)


@router.get(
    "/audit/export",
    summary="Export every matching command as CSV or JSON Lines",
    description="The same filters as /audit/commands; the whole trail that matches, newest first.",
    tags=TAGS,
    security=SIGNED_IN,
    responses={
        200: {
            "description": "CSV with a header row, or one JSON record per line",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        **documented(400, 401, 403),
    },
)
def export_commands(
    format: Literal["csv", "jsonl"] = "csv",
    actor: ActorFilter = None,
    type: CommandType = None,
    aggregate_id: Text = None,
    status: Status | None = None,
    since: Instant = None,
    until: Instant = None,
) -> Response[str]:
    auditor()
    matching = all_matching(deps().log, **_filters(actor, type, aggregate_id, status, since, until))
    # Named once for the whole export: one read of the people model, not one per row.
    records = with_actor_names(all_described(record_without_gps(record) for record in matching))
    body = to_csv(records) if format == "csv" else to_jsonl(records)
    return Response(
        status_code=200,
        content_type=CONTENT_TYPES[format],
        body=body,
        headers={"Content-Disposition": f'attachment; filename="retake-audit.{format}"'},
    )


@router.post(
    "/audit/verify",
    summary="Check the hash chains of every stream (or one) and report every break",
    tags=TAGS,
    security=SIGNED_IN,
    responses=documented(200, 400, 401, 403, 413),
)
def verify(request: Annotated[VerifyRequest | None, Body()] = None) -> Verification:
    auditor()
    report = deps().store.verify(request.stream_id if request else None)
    return Verification(
        streams_checked=report.streams_checked,
        events_checked=report.events_checked,
        intact=report.intact,
        breaks=[
            ChainBreakOut(stream_id=b.stream_id, version=b.version, reason=b.reason)
            for b in report.breaks
        ],
    )
