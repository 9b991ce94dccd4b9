"""Benchmarks, run by hand (never by the test suite): ``python -m bench.signin``.

Everything here measures real processes over loopback: a redis-server, the Cognito emulator and
``python -m gateway``, each in its own process, driven by load and probe clients that are
processes of their own.
"""
