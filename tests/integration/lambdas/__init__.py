"""Tiny Lambda handlers for the local runtime's tests, each a module of its own."""
