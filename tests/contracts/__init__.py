"""Contract tests: one abstract test class per port, run against every adapter of it."""
