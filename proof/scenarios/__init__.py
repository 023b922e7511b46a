"""One module per scenario; each has `run(short: bool) -> Outcome`."""
