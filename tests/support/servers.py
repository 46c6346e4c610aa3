"""Real servers for the tests, each on a port it picks itself.

A server is told to bind port 0 and the test reads the port back from its start-up line, so
no test has to guess a free port (a port found free can be taken before the server binds it,
and parallel pytest workers would race for it).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The start-up lines of `mognad run` (werkzeug) and gunicorn.
LISTENING = re.compile(r"(?:Running on|Listening at:) http://127\.0\.0\.1:(\d+)")


@contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, timeout: float = 60
) -> Iterator[str]:
    """Start a server that binds port 0; yield its base URL; stop it; keep its output in ``log``."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                found = LISTENING.search(log.read_text(errors="replace"))
                if found:
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start ({proc.poll()}):\n{log.read_text()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{found.group(1)}"
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
