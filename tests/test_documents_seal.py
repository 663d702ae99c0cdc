"""The seal is PAdES B-LT: a trusted RFC 3161 timestamp from the authority in settings, and the
validation data embedded, so a sealed document still verifies once the seal's certificate has expired."""

import io
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings as django_settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML

from documents.management.commands.create_dev_seal_key import SEAL_KEY_USAGE
from documents.sealing import SEAL_FIELD, check_seal, seal_pdf

PDF = HTML(string="<h1>Settlement agreement</h1><p>和解協議</p>").write_pdf(pdf_variant="pdf/a-3b")


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, *, issuer: tuple[str, rsa.RSAPrivateKey] | None = None, **options
) -> x509.Certificate:
    """A test certificate: a CA when ``ca``, a timestamping one when ``timestamping``."""
    issuer_name, issuer_key = issuer or (subject, key)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(options.get("until", now + timedelta(days=365)))
        .add_extension(x509.BasicConstraints(ca=options.get("ca", False), path_length=None), critical=True)
        .add_extension(SEAL_KEY_USAGE, critical=True)
    )
    if options.get("timestamping"):
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _TimestampAuthority(ThreadingHTTPServer):
    """An RFC 3161 timestamp authority over HTTP: pyHanko's test timestamper behind a POST endpoint."""

    def __init__(self, stamper: DummyTimeStamper) -> None:
        super().__init__(("127.0.0.1", 0), _TimestampRequest)
        self.stamper = stamper
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tsr"


class _TimestampRequest(BaseHTTPRequestHandler):
    server: _TimestampAuthority

    def do_POST(self) -> None:
        assert self.headers["Content-Type"] == "application/timestamp-query"
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        reply = self.server.stamper.request_tsa_response(request).dump()
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def tsa(settings, tmp_path) -> Iterator[_TimestampAuthority]:
    """A local timestamp authority (root CA -> TSA certificate), set as the platform's."""
    root_key, tsa_key = _key(), _key()
    root = _certificate("Test TSA root", root_key, ca=True)
    tsa_cert = _certificate("Test TSA", tsa_key, issuer=("Test TSA root", root_key), timestamping=True)
    stamper = DummyTimeStamper(
        tsa_cert=_asn1(tsa_cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        certs_to_embed=[_asn1(root)],
    )
    roots = tmp_path / "tsa-roots.pem"
    roots.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    server = _TimestampAuthority(stamper)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ODR_TSA_URL = server.url
    settings.ODR_TSA_TRUST_ROOTS_PATH = str(roots)
    server.root = _asn1(root)  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _seal_of(pdf: bytes):
    return next(s for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures if s.field_name == SEAL_FIELD)


def _seal_certificate(cert_path: str) -> asn1_x509.Certificate:
    return _asn1(x509.load_pem_x509_certificate(Path(cert_path).read_bytes()))


def test_the_seal_carries_the_authoritys_timestamp_and_its_validation_data(seal, tsa):
    sealed = seal_pdf(PDF, reason="Settlement agreement HK-2026-0001 executed")

    assert tsa.requests >= 1
    signature = _seal_of(sealed)
    context = ValidationContext(trust_roots=[_seal_certificate(seal[1]), tsa.root])
    status = validate_pdf_signature(signature, context)
    assert status.intact
    assert status.valid
    assert status.trusted
    # B-T: a timestamp token on the signature, from the configured authority, which pyHanko trusts.
    stamp = status.timestamp_validity
    assert stamp is not None
    assert stamp.intact
    assert stamp.valid
    assert stamp.trusted
    assert stamp.signing_cert.subject.native["common_name"] == "Test TSA"
    assert abs(stamp.timestamp - datetime.now(UTC)) < timedelta(minutes=1)
    # B-LT: the document security store holds the certificates needed to check it later.
    store = PdfFileReader(io.BytesIO(sealed)).root["/DSS"]
    embedded = {asn1_x509.Certificate.load(c.get_object().data).sha256 for c in store["/Certs"]}
    assert {_seal_certificate(seal[1]).sha256, stamp.signing_cert.sha256} <= embedded
    assert check_seal(sealed).ok


def test_without_an_authority_in_development_the_seal_stamps_its_own_time(seal, settings):
    settings.ODR_TSA_URL = ""
    sealed = seal_pdf(PDF, reason="test")
    assert check_seal(sealed).ok
    stamp = validate_pdf_signature(_seal_of(sealed), ValidationContext(trust_roots=[])).timestamp_validity
    assert stamp is not None
    assert stamp.intact
    assert stamp.valid
    assert stamp.signing_cert.subject.native["common_name"] == "ODR Centre timestamp (development)"


def test_a_document_sealed_before_timestamps_still_verifies(seal):
    """PAdES B-B, as the platform sealed before: no timestamp, no validation data."""
    writer = IncrementalPdfFileWriter(io.BytesIO(PDF))
    metadata = signers.PdfSignatureMetadata(field_name=SEAL_FIELD, subfilter=SigSeedSubFilter.PADES)
    signer = signers.SimpleSigner.load(seal[0], seal[1], key_passphrase=None)
    assert signer is not None
    sealed = signers.sign_pdf(writer, metadata, signer=signer, bytes_reserved=16384).getvalue()
    assert check_seal(sealed).ok
    assert not check_seal(sealed[:-200] + b" " * 200).ok


def test_a_sealed_document_still_verifies_after_the_seals_certificate_expired(settings, tsa, tmp_path):
    """A seal certificate from an authority (file: the certificate, then its root), which expires."""
    root_key, key = _key(), _key()
    root = _certificate("Seal root", root_key, ca=True)
    expires = datetime.now(UTC) + timedelta(seconds=4)
    certificate = _certificate("Short-lived seal", key, issuer=("Seal root", root_key), until=expires)
    settings.ODR_SEAL_KEY_PATH = str(tmp_path / "key.pem")
    settings.ODR_SEAL_CERT_PATH = str(tmp_path / "cert.pem")
    Path(settings.ODR_SEAL_KEY_PATH).write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    Path(settings.ODR_SEAL_CERT_PATH).write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM)
    )
    sealed = seal_pdf(PDF, reason="test")
    assert check_seal(sealed).ok

    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 2)

    roots = [_asn1(root), tsa.root]
    expired_now = validate_pdf_signature(_seal_of(sealed), ValidationContext(trust_roots=roots))
    assert not expired_now.trusted  # checked as of today alone, the expired certificate fails
    assert check_seal(sealed).ok  # checked as of its trusted timestamp, the seal holds


@pytest.mark.parametrize("missing", ["ODR_TSA_URL", "ODR_TSA_TRUST_ROOTS_PATH"])
def test_production_does_not_start_without_a_timestamp_authority(missing):
    from tests.test_accounts import PRODUCTION_ENV

    environment = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = subprocess.run(
        [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py"), "check"],
        env={"DJANGO_SETTINGS_MODULE": "odr.settings", "PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr
