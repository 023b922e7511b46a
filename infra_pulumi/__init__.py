"""The Pulumi program that deploys Retake to AWS, from the same definitions the local stack runs.

`pulumi up` in this folder runs `__main__.py`; `program.deploy` builds one
component per concern (event store, command bus, fan-out, functions, API,
auth, photo storage, static site, schedules, alarms).
"""
