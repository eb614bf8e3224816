"""Settings for the test suite: the real settings with keys of their own.

With DEBUG off, settings.py refuses the public default SECRET_KEY; tests (and the servers and
CLI subprocesses they start, which inherit the environment) use these throwaway keys instead.
"""

import os

os.environ.setdefault("SECRET_KEY", "policyledger-tests-only-secret-key-0123456789abcdef")
os.environ.setdefault("VOUCHER_SIGNING_KEY", "policyledger-tests-only-voucher-key-0123456789")

from .settings import *  # noqa: E402,F403
