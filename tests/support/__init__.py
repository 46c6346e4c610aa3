"""What the tests share: one form client, one survey factory, real servers and databases.

Plain modules, no fixtures (those live in ``tests/conftest.py``), so a fixture, a helper in a
test module and a subprocess set-up all build surveys and press forms the same way.
"""
