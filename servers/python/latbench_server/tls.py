"""TLS of the async form: the certificate and key files, checked once at
start, and the stdlib ssl context of the echo and http modes.

The grpc mode hands the same PEM bytes to grpc.ssl_server_credentials;
checking them with the ssl module first gives every mode the same errors
(exit 2, naming the file) before anything listens.
"""

import ssl
from typing import NamedTuple, Optional, Sequence

HTTP_ALPN = ("h2", "http/1.1")
"""HTTP_ALPN is what the http mode offers, in order of preference; a client
that offers neither (or nothing) gets HTTP/1.1."""


class TlsError(Exception):
    """TlsError says which file of --tls-cert and --tls-key is unusable
    and why; the process exits 2."""


class KeyPair(NamedTuple):
    """KeyPair is the checked certificate chain and private key: their
    paths and PEM text."""

    cert_path: str
    key_path: str
    cert_pem: bytes
    key_pem: bytes


def load_pair(cert_path: str, key_path: str) -> KeyPair:
    """Read and check --tls-cert and --tls-key; raise TlsError naming the
    file that does not read, holds no PEM certificate or holds no key
    matching the certificate."""
    cert_pem = _read("--tls-cert", cert_path)
    key_pem = _read("--tls-key", key_path)
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        probe.load_verify_locations(cadata=cert_pem.decode("latin-1"))
    except (ssl.SSLError, ValueError) as e:
        raise TlsError(f"--tls-cert {cert_path}: holds no PEM "
                       f"certificate{_reason(e)}") from None
    try:
        probe.load_cert_chain(cert_path, key_path, password=_no_password)
    except OSError as e:  # ssl.SSLError is one too
        raise TlsError(f"--tls-key {key_path}: holds no unencrypted PEM "
                       f"private key matching the certificate of --tls-cert "
                       f"{cert_path}{_reason(e)}") from None
    return KeyPair(cert_path, key_path, cert_pem, key_pem)


def server_context(pair: KeyPair,
                   alpn: Optional[Sequence[str]] = None) -> ssl.SSLContext:
    """Return a server context with pair, TLS 1.2 and 1.3, offering the
    ALPN protocols alpn (None selects none: a client may offer any)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pair.cert_path, pair.key_path, password=_no_password)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def _read(flag: str, path: str) -> bytes:
    """Return the content of path or raise TlsError naming it."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise TlsError(f"{flag} {path}: {e.strerror or e}") from None


def _no_password() -> bytes:
    """Answer OpenSSL's passphrase prompt of an encrypted key: there is
    none, so loading it fails instead of asking on the terminal."""
    return b""


def _reason(e: Exception) -> str:
    """Return OpenSSL's short reason for e in parentheses, or nothing."""
    reason = getattr(e, "reason", None)
    return f" ({reason})" if reason else ""
