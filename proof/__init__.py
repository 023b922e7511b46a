"""The reliability proof: scenarios that load, fault and restart the local stack over HTTP.

`python -m proof [--short] [SCENARIO ...]` runs each scenario in a fresh
process against its own local stack, prints one line of figures per scenario
and rewrites RELIABILITY.md. A scenario checks real invariants and fails,
naming what broke; the run then exits non-zero.
"""
