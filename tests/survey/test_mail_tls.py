"""STARTTLS and SSL against a loopback server with its own certificate, which must be verified."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from survey.mail import MailError, build_message, connect, settings_from_config
from tests.support.smtp import Inbox, loopback


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the only trust anchor a test may add)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Inbox, Path, str]]:
    """A loopback server speaking STARTTLS or implicit TLS (``request.param``)."""
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if request.param == "ssl":
        options = {"ssl_context": context}
    else:
        options = {"tls_context": context, "require_starttls": True}
    with loopback(**options) as inbox:
        yield inbox, cert, request.param


def _send(inbox: Inbox, tls: str, tmp_path: Path) -> None:
    settings = settings_from_config(
        {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": inbox.port, "SMTP_TLS": tls, "MAIL_FROM": "a@x.se"},
        str(tmp_path),
    )
    with connect(settings) as sender:
        sender.send(build_message("a@x.se", "anna@example.org", "Hej", "text", "<p>html</p>"))


@pytest.mark.parametrize("tls_server", ["starttls", "ssl"], indirect=True)
def test_tls_delivers_when_the_certificate_is_trusted(tls_server, monkeypatch, tmp_path):
    inbox, cert, mode = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's default trust store, for this test
    _send(inbox, mode, tmp_path)
    assert inbox.to() == ["anna@example.org"]


@pytest.mark.parametrize("tls_server", ["starttls", "ssl"], indirect=True)
def test_an_untrusted_certificate_is_refused(tls_server, tmp_path):
    inbox, _, mode = tls_server
    with pytest.raises(MailError, match="TLS handshake.*certificate verify failed"):
        _send(inbox, mode, tmp_path)
    assert inbox.messages == []
