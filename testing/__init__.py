"""Test support: what the tests, the benchmarks and the CDK's CLI hooks import, and no tests of its own.

One package for all three tiers (unit_tests/, integration_tests/, bench/), so that no file named `test_*.py`
is imported by another file and bench/ imports product and support only. Builders of records and configs,
the destination and source harnesses, the connector-process runners, the hostile HTTP server, Airbyte's
schemas and the secret-leak checks live here; the emulators are in sandboxes/, not here.
"""
