"""The whole deployment: one component per concern, wired in dependency order."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra_pulumi.alarms import Alarms, AlarmsArgs
from infra_pulumi.api import Api, ApiArgs
from infra_pulumi.auth import Auth, AuthArgs
from infra_pulumi.command_bus import CommandBus, CommandBusArgs, failure_destinations
from infra_pulumi.config import StackConfig
from infra_pulumi.event_store import EventStore, EventStoreArgs
from infra_pulumi.fan_out import FanOut, FanOutArgs
from infra_pulumi.functions import Functions, FunctionsArgs
from infra_pulumi.photo_storage import PhotoStorage, PhotoStorageArgs
from infra_pulumi.policies import Arns
from infra_pulumi.schedules import Schedules, SchedulesArgs
from infra_pulumi.static_site import StaticSite, StaticSiteArgs
from resources.definitions import API, PHOTOS_BUCKET, QUEUES, SCHEDULES, TABLES


@dataclass
class Deployment:
    event_store: EventStore
    command_bus: CommandBus
    fan_out: FanOut
    auth: Auth
    functions: Functions
    photo_storage: PhotoStorage
    api: Api
    site: StaticSite
    schedules: Schedules | None
    alarms: Alarms

    def outputs(self, config: StackConfig) -> dict[str, pulumi.Input[str]]:
        """What a person needs after `pulumi up`: where the page and the API are, and the pool."""
        return {
            "siteUrl": config.site_origin,
            "apiUrl": self.api.url,
            "userPoolId": self.auth.user_pool.id,
            "userPoolClientId": self.auth.client.id,
            "region": config.region,
            "photosBucket": self.photo_storage.buckets[PHOTOS_BUCKET.name].bucket,
        }


def deploy(config: StackConfig) -> Deployment:
    naming = config.naming
    protect = config.deletion_protection
    event_store = EventStore("event-store", EventStoreArgs(naming, deletion_protection=protect))
    command_bus = CommandBus("command-bus", CommandBusArgs(naming))
    fan_out = FanOut("fan-out", FanOutArgs(naming, command_bus.queues))
    tables = event_store.tables
    arns = Arns(
        naming=naming,
        tables={name: table.arn for name, table in tables.items()},
        streams={spec.name: tables[spec.name].stream_arn for spec in TABLES if spec.stream},
        queues={name: queue.arn for name, queue in command_bus.queues.items()},
        dead_letter_queues={name: dlq.arn for name, dlq in command_bus.dead_letter_queues.items()},
        topics={name: topic.arn for name, topic in fan_out.topics.items()},
    )
    functions = Functions(
        "functions",
        FunctionsArgs(
            config=config,
            arns=arns,
            queues=command_bus.queues,
            dead_letter_queues=command_bus.dead_letter_queues,
            tables=tables,
            topics=fan_out.topics,
        ),
    )
    # The pool invokes its triggers (the people function), so it comes after the functions.
    auth = Auth(
        "auth", AuthArgs(naming, deletion_protection=protect, functions=functions.invocables)
    )
    photo_storage = PhotoStorage(
        "photo-storage", PhotoStorageArgs(naming, config.site_origin, functions.invocables)
    )
    api = Api(
        "api",
        ApiArgs(
            naming=naming,
            function=functions.invocables[API.name],
            user_pool=auth.user_pool,
            site_origin=config.site_origin,
            stage_name=config.stage_name,
        ),
    )
    site = StaticSite(
        "site",
        StaticSiteArgs(
            naming=naming,
            api_url=api.url,
            region=config.region,
            user_pool_id=auth.user_pool.id,
            client_id=auth.client.id,
        ),
    )
    schedules = (
        Schedules("schedules", SchedulesArgs(naming, functions.invocables, SCHEDULES))
        if config.keep_warm
        else None
    )
    alarms = Alarms(
        "alarms",
        AlarmsArgs(
            naming,
            QUEUES,
            command_bus.dead_letter_queues,
            failure_destinations=failure_destinations(),
            failure_queues=command_bus.queues,
        ),
    )
    return Deployment(
        event_store=event_store,
        command_bus=command_bus,
        fan_out=fan_out,
        auth=auth,
        functions=functions,
        photo_storage=photo_storage,
        api=api,
        site=site,
        schedules=schedules,
        alarms=alarms,
    )
