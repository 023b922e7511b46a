"""Lambda entry: validate, filter 1 of the image pipeline: an image of the declared type."""

from __future__ import annotations

from functions.bootstrap import in_lambda, pipeline
from pipeline.handlers import filter_handler

if in_lambda():
    # The expensive part of a cold start (clients, caches) happens once, during init.
    pipeline()

handler = filter_handler("validate", pipeline)
