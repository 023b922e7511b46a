"""Retake on one machine: moto's server, a local Lambda runtime and its event sources."""
