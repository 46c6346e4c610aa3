"""The nginx site of ``deploy/`` keeps personal links out of its logs, however the path is spelled.

``deploy/nginx/mognad.conf`` is run by a real nginx (skipped where none is installed), with
only its ports, certificate and log folder changed, in front of an upstream that is down: every
request then gets a 502, which also makes nginx want to write its error line quoting the raw
request. The paths are those of ``docs/deploy.md``: a personal link plain, percent-encoded,
with doubled or encoded slashes and in a query, a unit link and a staff set-up link. No token
may appear in any file nginx wrote, and each access line shows the path as ``…/[redacted]``.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "mognad.conf"
TOKEN = "Zq7PersonalToken0123456789abcdefXYZ"
PATHS = {
    f"/s/{TOKEN}": "/s/[redacted]",
    f"/%73/{TOKEN}": "/s/[redacted]",
    f"/%2F%73%2F{TOKEN}": "/s/[redacted]",
    f"//s/{TOKEN}?next=/s/{TOKEN}": "/s/[redacted]?[query]",
    f"/o/7/EDU-A/{TOKEN}": "/o/7/[redacted]",
    f"/auth/setup/{TOKEN}": "/auth/setup/[redacted]",
    "/om": "/om",
}

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _site(folder: Path, http_port: int, https_port: int, upstream: int) -> str:
    """The deployed site with this test's ports, certificate and log folder."""
    text = SITE.read_text()
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    text = text.replace("/etc/ssl/mognad/", f"{folder}/")
    text = text.replace("/var/log/nginx/", f"{folder}/")
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    assert str(folder) in text and "/var/log" not in text
    return text


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    binary, openssl = shutil.which("nginx"), shutil.which("openssl")
    if not binary or not openssl:
        pytest.skip("nginx or openssl is not installed")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=localhost", "-keyout", str(tmp_path / "mognad.key")]
        + ["-out", str(tmp_path / "mognad.crt")],
        check=True,
        capture_output=True,
    )
    http_port, https_port, upstream = _free_port(), _free_port(), _free_port()
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/main-error.log;\n"
        f"events {{}}\nhttp {{\n{temp}access_log {tmp_path}/main-access.log;\n"
        + _site(tmp_path, http_port, https_port, upstream)
        + "\n}\n"
    )
    with (tmp_path / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("nginx did not start: " + (tmp_path / "stderr.log").read_text())
        yield http_port, https_port, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def _https(port: int) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection(
        "127.0.0.1", port, context=ssl._create_unverified_context(), timeout=10
    )


def test_no_token_in_any_nginx_log_however_the_path_is_spelled(nginx) -> None:
    http_port, https_port, folder = nginx
    for path in PATHS:
        conn = _https(https_port)
        conn.request("GET", path)
        with conn.getresponse() as response:
            assert response.status == 502  # the upstream is down: nginx wants an error line
            assert response.getheader("Strict-Transport-Security") == (
                "max-age=31536000; includeSubDomains"
            )
        conn.close()
    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    plain.request("GET", f"/%73/{TOKEN}")
    with plain.getresponse() as response:
        assert response.status == 301
    plain.close()
    big = _https(https_port)
    big.putrequest("POST", f"/s/{TOKEN}")
    big.putheader("Content-Length", str(11 * 1024 * 1024))
    big.endheaders()
    with big.getresponse() as response:
        assert response.status == 413  # refused before any body is read
    big.close()

    time.sleep(0.2)  # nginx writes its access line after the answer
    lines = (folder / "mognad.access.log").read_text().splitlines()
    logged = [re.search(r'"[A-Z]+ (\S+) HTTP', line).group(1) for line in lines]
    assert logged == [*PATHS.values(), "/s/[redacted]", "/s/[redacted]"]
    for written in folder.glob("*.log"):
        assert TOKEN not in written.read_text(errors="replace"), written.name
