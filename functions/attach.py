"""Lambda entry: attach, filter 4 of the image pipeline: the results, as a command."""

from __future__ import annotations

from functions.bootstrap import in_lambda, pipeline
from pipeline.handlers import filter_handler

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    pipeline()

handler = filter_handler("attach", pipeline)
