"""A throwaway CA and server certificate for the TLS tests, made with the
cryptography package as latbench makes them for a run: 127.0.0.1, ::1 and
localhost as subject alternative names."""

import datetime
import ipaddress
import os
import ssl
from typing import List, NamedTuple, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Certs(NamedTuple):
    """Certs are the paths of the PEM files in one folder."""

    ca: str
    cert: str
    key: str
    other_key: str
    """other_key is a valid key that does not match cert."""

    def client_context(self, alpn: Optional[List[str]] = None,
                       maximum: Optional[ssl.TLSVersion] = None
                       ) -> ssl.SSLContext:
        """Return a client context trusting the CA, offering alpn."""
        ctx = ssl.create_default_context(cafile=self.ca)
        if alpn:
            ctx.set_alpn_protocols(alpn)
        if maximum is not None:
            ctx.maximum_version = maximum
        return ctx


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_certs(folder: str) -> Certs:
    """Write a CA, a server certificate signed by it, its key and another
    key into folder."""
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(
        days=1)
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                            "latbench test CA")])
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                         critical=True)
          .add_extension(x509.KeyUsage(
              digital_signature=True, content_commitment=False,
              key_encipherment=False, data_encipherment=False,
              key_agreement=False, key_cert_sign=True, crl_sign=True,
              encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(
              ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = _key()
    names = [x509.DNSName("localhost"),
             x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             x509.IPAddress(ipaddress.ip_address("::1"))]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                        "localhost")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    certs = Certs(os.path.join(folder, "ca.pem"),
                  os.path.join(folder, "cert.pem"),
                  os.path.join(folder, "key.pem"),
                  os.path.join(folder, "other-key.pem"))
    for path, data in [
            (certs.ca, ca.public_bytes(serialization.Encoding.PEM)),
            (certs.cert, cert.public_bytes(serialization.Encoding.PEM)),
            (certs.key, _pem_key(key)),
            (certs.other_key, _pem_key(_key()))]:
        with open(path, "wb") as f:
            f.write(data)
    return certs
