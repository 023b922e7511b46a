"""EventBridge: recurring pings, e.g. keep-warm, to the functions they name."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.functions import Invocable
from resources.definitions import SCHEDULES, Naming, ScheduleSpec
from resources.keep_warm import keep_warm_event


@dataclass(frozen=True)
class SchedulesArgs:
    naming: Naming
    #: What to invoke by logical name: the function, or its alias (`Functions.invocables`).
    functions: Mapping[str, Invocable]
    schedules: Sequence[ScheduleSpec] = SCHEDULES


class Schedules(pulumi.ComponentResource):
    """One rule per schedule, invoking each target with the keep-warm event.

    The event is the one the local stack's scheduler sends (`resources.keep_warm`):
    handlers recognise it by its source and answer without doing any work.
    """

    rules: dict[str, aws.cloudwatch.EventRule]

    def __init__(
        self, name: str, args: SchedulesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retake:infra:Schedules", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.rules = {}
        for spec in args.schedules:
            rule = aws.cloudwatch.EventRule(
                spec.name,
                name=f"{args.naming.prefix}-{spec.name}",
                schedule_expression=rate_expression(spec.rate_seconds),
                opts=child,
            )
            self.rules[spec.name] = rule
            for target in spec.targets:
                function = args.functions[target]
                aws.cloudwatch.EventTarget(
                    f"{spec.name}-{target}",
                    rule=rule.name,
                    arn=function.arn,
                    input=json.dumps(keep_warm_event()),
                    opts=child,
                )
                aws.lambda_.Permission(
                    f"{spec.name}-invokes-{target}",
                    action="lambda:InvokeFunction",
                    function=function.name,
                    qualifier=function.qualifier,
                    principal="events.amazonaws.com",
                    source_arn=rule.arn,
                    opts=child,
                )
        self.register_outputs({name: rule.arn for name, rule in self.rules.items()})


def rate_expression(seconds: int) -> str:
    """EventBridge's `rate(...)` for a period, which must be whole minutes."""
    if seconds < 60 or seconds % 60:
        raise ValueError(f"EventBridge rates are whole minutes; {seconds} s is not")
    unit, size = next(
        (unit, size)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60))
        if seconds % size == 0
    )
    count = seconds // size
    return f"rate({count} {unit}{'' if count == 1 else 's'})"
