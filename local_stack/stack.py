"""The whole of Retake on one machine, in one process tree.

`LocalStack.start()` brings up, in order:
1. moto's server on loopback (or uses an existing AWS-compatible endpoint),
   with the state of the data folder restored;
2. every resource of `resources.definitions`, created idempotently: tables,
   queues and DLQs, the topic and its subscriptions, the user pool with its
   groups and one demo account per role;
3. the local Lambda runtime (functions in containers, cold and warm);
4. the event-source mappings (SQS pollers, the DynamoDB stream poller), S3's
   pushes and the user pool's triggers (`cognito_triggers`: the demo accounts
   then sign in once, so the people model knows them), the keep-warm
   schedule, the API Gateway emulator with the Cognito check, and the static
   site with its generated config;
5. the admin API on loopback, which `retake status` and `retake stats` read.

State is snapshotted into the data folder every few seconds and on a clean
stop; between snapshots, every write moto acknowledges is journaled first
(`journal.py`) and replayed on the next start, so a kill -9 loses nothing
that was acknowledged. After an unclean stop the read models are also
rebuilt from the event store on start.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3

from adapters.dynamodb_event_store import DynamoDBEventStore
from adapters.s3_photos import s3_client
from adapters.settings import MAX_UPLOAD_BYTES, Settings
from functions.bootstrap import build_read_models, find_topic_arn
from local_stack import cognito_triggers, state
from local_stack.admin import AdminServer
from local_stack.auth import CognitoVerifier
from local_stack.gateway import Gateway
from local_stack.journal import JOURNAL_FILE, Journal
from local_stack.mappings import YIELDING, EventSourceMappings
from local_stack.moto_server import MotoServer, point_boto3_at, start_moto
from local_stack.runtime import LambdaRuntime
from local_stack.s3_push import S3PushDelivery, function_name_resolver
from local_stack.scheduler import Scheduler
from local_stack.site import Site
from projections.rebuild import rebuild
from resources.definitions import (
    EVENTS,
    EVENTS_TOPIC,
    FUNCTIONS,
    SCHEDULES,
    SNAPSHOTS,
    USER_POOL,
    Naming,
    UserPoolSpec,
)
from resources.provision import (
    UserPoolIds,
    add_user,
    provision,
    provision_buckets,
    provision_user_pool,
)
from resources.site_config import SiteConfig

log = logging.getLogger("retake.stack")

REGION = "us-east-1"
RUNNING_MARKER = "running"
STACK_FILE = "stack.json"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    groups: tuple[str, ...] = ()
    #: Cognito's `name` attribute: the display name until the person chooses one.
    name: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("gallery user", "alice", "Retake-demo-1", name="Alice Liddell"),
    DemoAccount("auditor", "audrey", "Retake-demo-1", ("auditors",), name="Audrey Auditor"),
    DemoAccount("support", "sam", "Retake-demo-1", ("support",), name="Sam Support"),
)


@dataclass
class StackConfig:
    data_dir: Path = Path(".retake")
    #: An existing AWS-compatible endpoint (e.g. LocalStack); None starts moto.
    endpoint: str | None = None
    moto_port: int = 4510
    api_port: int = 4511
    site_port: int = 4512
    admin_port: int = 0
    prefix: str = "retake"
    idle_timeout_seconds: float = 300.0
    keep_warm: bool = True
    persist: bool = True
    snapshot_every_seconds: float = 3.0
    #: A failed SQS message comes back after this many seconds (Lambda: the visibility timeout).
    retry_after_seconds: int = 2
    concurrency: dict[str, int] = field(default_factory=dict)
    #: The upload size limit handed to the API and the pipeline (None: the default, 25 MB).
    max_upload_bytes: int | None = None
    demo_accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    #: Test-only fault injection: every SQS batch is handed to its function twice.
    duplicate_deliveries: bool = False


@dataclass(frozen=True)
class StackInfo:
    site_url: str
    api_url: str
    docs_url: str
    endpoint: str
    data_dir: str
    user_pool_id: str
    client_id: str
    region: str
    prefix: str
    accounts: list[dict[str, Any]]
    recovered: bool
    #: The admin API (`local_stack.admin`) the `retake` command reads.
    admin_url: str = ""


class LocalStack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.moto: MotoServer | None = None
        self.runtime: LambdaRuntime | None = None
        self.mappings: EventSourceMappings | None = None
        self.scheduler: Scheduler | None = None
        self.gateway: Gateway | None = None
        self.site: Site | None = None
        self.admin: AdminServer | None = None
        self.info: StackInfo | None = None
        self._stop_snapshots = threading.Event()
        self._snapshot_thread: threading.Thread | None = None
        self._pool_with_triggers: str | None = None

    # -- start -------------------------------------------------------------------------

    def start(self) -> StackInfo:
        config = self.config
        data = config.data_dir
        data.mkdir(parents=True, exist_ok=True)
        marker = data / RUNNING_MARKER
        unclean = marker.exists()
        persist = config.persist and config.endpoint is None
        restored = state.load(data) if persist else None
        replayed = 0
        if config.endpoint is None:
            journal = Journal(data / JOURNAL_FILE) if persist else None
            self.moto = start_moto(config.moto_port, journal)
            endpoint = self.moto.endpoint
            if restored is None:
                # moto's backends live in this process: a new stack must not inherit
                # whatever an earlier one (in the same process) left in them.
                self.moto.reset()
            # What was acknowledged after the last snapshot (or before the first one).
            replayed = self.moto.replay_journal(after=(restored or {}).get("journal_seq", 0))
            if replayed:
                log.warning("replayed %d journaled writes made after the last snapshot", replayed)
        else:
            endpoint = config.endpoint
        env = point_boto3_at(endpoint, REGION)
        os.environ.update(env)
        naming = Naming(config.prefix)
        session = boto3.session.Session(region_name=REGION)
        dynamodb = session.client("dynamodb")
        sqs = session.client("sqs")
        sns = session.client("sns")
        cognito = session.client("cognito-idp")
        provision(dynamodb, sqs, naming, sns)
        provision_buckets(s3_client(REGION), naming, REGION)
        pool = provision_user_pool(cognito, naming)
        accounts = self._demo_accounts(cognito, pool)
        topic_arn = find_topic_arn(sns, naming.topic(EVENTS_TOPIC))
        settings = Settings.from_environment(config.prefix)
        recovered = unclean and (restored is not None or replayed > 0)
        if recovered:
            self._rebuild_read_models(dynamodb, naming, settings)
        marker.write_text(str(os.getpid()))

        function_env = {
            **env,
            "RETAKE_NAME_PREFIX": config.prefix,
            "RETAKE_EVENTS_TOPIC_ARN": topic_arn,
            "POWERTOOLS_METRICS_NAMESPACE": "Retake",
            **({MAX_UPLOAD_BYTES: str(config.max_upload_bytes)} if config.max_upload_bytes else {}),
        }
        self.runtime = LambdaRuntime(
            FUNCTIONS,
            function_env,
            idle_timeout_seconds=config.idle_timeout_seconds,
            concurrency={k: v for k, v in config.concurrency.items() if v > 0} or None,
        )
        self.mappings = EventSourceMappings(
            sqs=sqs,
            dynamodb=dynamodb,
            streams=session.client("dynamodbstreams"),
            naming=naming,
            invoker_for=self.runtime.invoker,
            failed_visibility_seconds=config.retry_after_seconds,
            # Long polling, as Lambda's pollers do: an idle stack costs (almost) no CPU.
            sqs_wait_seconds=1,
            stream_idle_sleep=0.1,
            stream_positions=(restored or {}).get("stream_positions"),
            duplicate_deliveries=config.duplicate_deliveries,
            yielding=YIELDING,
        )
        self.mappings.start()
        if self.moto is not None:
            self.s3_push = S3PushDelivery(
                self.runtime.invoke,
                function_name_resolver(config.prefix, {spec.name for spec in FUNCTIONS}),
            )
            self.s3_push.install()
            # Cognito's triggers, where Cognito would invoke them (moto runs in this process).
            cognito_triggers.install(pool.pool_id, self._triggers(USER_POOL))
            self._pool_with_triggers = pool.pool_id
            self._sign_in_once(cognito, pool)
        if config.keep_warm:
            self.scheduler = Scheduler(self.runtime, SCHEDULES)
            self.scheduler.start()
        verifier = CognitoVerifier(pool.jwks_url, pool.issuer, pool.client_id)
        self.gateway = Gateway(self.runtime.invoker("api"), verifier, port=config.api_port)
        self.gateway.start()
        self.site = Site(
            SiteConfig(
                api_url=self.gateway.url,
                region=REGION,
                user_pool_id=pool.pool_id,
                client_id=pool.client_id,
                cognito_endpoint=endpoint,
            ),
            port=config.site_port,
        ).start()
        self.admin = AdminServer(
            self.runtime, self.mappings, sqs, naming, port=config.admin_port
        ).start()
        self.info = StackInfo(
            site_url=self.site.url,
            api_url=self.gateway.url,
            docs_url=f"{self.gateway.url}/docs",
            endpoint=endpoint,
            data_dir=str(data.resolve()),
            user_pool_id=pool.pool_id,
            client_id=pool.client_id,
            region=REGION,
            prefix=config.prefix,
            accounts=accounts,
            recovered=recovered,
            admin_url=self.admin.url,
        )
        (data / STACK_FILE).write_text(json.dumps(asdict(self.info), indent=2))
        if config.persist and self.moto is not None:
            self._snapshot_thread = threading.Thread(
                target=self._snapshot_forever, name="state-snapshots", daemon=True
            )
            self._snapshot_thread.start()
        return self.info

    def _demo_accounts(self, cognito: Any, pool: UserPoolIds) -> list[dict[str, Any]]:
        accounts = []
        for account in self.config.demo_accounts:
            sub = add_user(cognito, pool.pool_id, account.username, account.password,
                           account.groups, name=account.name or None)  # fmt: skip
            accounts.append({**asdict(account), "sub": sub})
        return accounts

    def _triggers(self, spec: UserPoolSpec) -> cognito_triggers.Triggers:
        """The pool's triggers as `spec` names them, each invoked through the runtime."""
        assert self.runtime is not None
        runtime = self.runtime

        def invoker(function: str | None) -> cognito_triggers.Trigger | None:
            return runtime.invoker(function) if function else None

        return cognito_triggers.Triggers(
            pre_token_generation=invoker(spec.pre_token_generation),
            post_confirmation=invoker(spec.post_confirmation),
        )

    def _sign_in_once(self, cognito: Any, pool: UserPoolIds) -> None:
        """Each demo account signs in once, so the people model knows it from the start.

        Accounts an administrator creates are recorded at their first sign-in, by the
        pre token generation trigger, as on AWS; the demo accounts are created before
        the trigger can run, and an auditor should find alice before she ever signs in.
        """
        for account in self.config.demo_accounts:
            cognito.admin_initiate_auth(
                UserPoolId=pool.pool_id,
                ClientId=pool.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": account.username, "PASSWORD": account.password},
            )

    def _rebuild_read_models(self, dynamodb: Any, naming: Naming, settings: Settings) -> None:
        """After an unclean stop: the read models are made again from the event store."""
        store = DynamoDBEventStore(naming.table(EVENTS), naming.table(SNAPSHOTS), dynamodb)
        report = rebuild(store, build_read_models(settings, dynamodb=dynamodb))
        log.warning(
            "recovered from an unclean stop: rebuilt the read models from %s events", report.events
        )

    # -- state -------------------------------------------------------------------------

    def snapshot(self) -> None:
        """Save moto's state and the stream positions into the data folder."""
        if self.moto is None or not self.config.persist:
            return
        journal = self.moto.journal
        if journal is None:
            positions = self.mappings.stream_positions if self.mappings else {}
            state.save(self.config.data_dir, {"stream_positions": positions})
            return
        # No write lands while moto is pickled: the snapshot holds exactly the journal's
        # entries up to `seq`, which it then replaces.
        with journal.paused() as seq:
            positions = self.mappings.stream_positions if self.mappings else {}
            state.save(self.config.data_dir, {"stream_positions": positions, "journal_seq": seq})
            journal.truncate()

    def _snapshot_forever(self) -> None:
        while not self._stop_snapshots.wait(self.config.snapshot_every_seconds):
            try:
                self.snapshot()
            except Exception as error:  # the next snapshot tries again
                log.warning("state snapshot failed: %s", error)

    # -- stop --------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop everything; a clean stop saves the state and clears the running marker."""
        self._stop_snapshots.set()
        if self._snapshot_thread is not None:
            self._snapshot_thread.join(timeout=10)
        for part in (self.admin, self.gateway, self.site, self.scheduler, self.mappings):
            if part is not None:
                part.stop()
        if self._pool_with_triggers is not None:
            cognito_triggers.uninstall(self._pool_with_triggers)
            self._pool_with_triggers = None
        if self.runtime is not None:
            self.runtime.shutdown()
        self.snapshot()
        if self.moto is not None:
            self.moto.stop()
        (self.config.data_dir / RUNNING_MARKER).unlink(missing_ok=True)

    def wait(self) -> None:
        """Block until interrupted (Ctrl+C)."""
        while True:
            time.sleep(3600)
