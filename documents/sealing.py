"""The platform's seal, PAdES baseline B-LT: a signature with the key and certificate from settings, a
trusted RFC 3161 timestamp on it (B-T), and the certificates and revocation data needed to check it
embedded in the file's document security store (B-LT). A sealed document thus still verifies after the
seal's certificate has expired: it is checked as of the time the timestamp authority vouches for."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

SEAL_FIELD = "ODRCentreSeal"
# Room for the signature, the timestamp token and their certificates in the signature's /Contents.
SIGNATURE_BYTES_RESERVED = 32768


@lru_cache(maxsize=1)
def _signer(key_path: str, cert_path: str) -> signers.SimpleSigner:
    """The seal's key, and its certificate followed by any issuing chain (one PEM file, leaf first).
    Loaded once per process: reading the key costs more than the signature itself."""
    if not Path(key_path).exists() or not Path(cert_path).exists():
        raise ImproperlyConfigured(
            "The seal key or certificate is missing (ODR_SEAL_KEY_PATH / ODR_SEAL_CERT_PATH); "
            "for development run `manage.py create_dev_seal_key`."
        )
    try:
        key = load_private_key_from_pemder(key_path, passphrase=None)
        chain = list(load_certs_from_pemder([cert_path]))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured("The seal key or certificate could not be read.") from exc
    if not chain:
        raise ImproperlyConfigured("The seal certificate file holds no certificate.")
    return signers.SimpleSigner(
        signing_cert=chain[0], signing_key=key, cert_registry=SimpleCertificateStore.from_certs(chain)
    )


def _current_signer() -> signers.SimpleSigner:
    return _signer(str(settings.ODR_SEAL_KEY_PATH), str(settings.ODR_SEAL_CERT_PATH))


def _seal_anchor() -> asn1_x509.Certificate:
    """What seals are trusted up to: the last certificate of the seal's file (its root, so a renewed
    certificate from the same authority still verifies earlier documents), or the seal's own
    certificate when it stands alone (self-signed, as in development)."""
    signer = _current_signer()
    chain = [signer.signing_cert, *(c for c in signer.cert_registry if c != signer.signing_cert)]
    return asn1_x509.Certificate.load(chain[-1].dump())


@lru_cache(maxsize=1)
def _development_tsa(key_path: str, cert_path: str) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    """Development only (no ODR_TSA_URL): a timestamping certificate over the seal's own key.

    A timestamp authority's certificate must say it stamps time (extended key usage timeStamping), which
    the seal's does not. This one is self-signed and built deterministically from the seal's key and
    certificate (same serial, validity and PKCS#1 v1.5 signature every time), so every process makes the
    same certificate and /verify/ trusts the timestamps of documents sealed by earlier processes."""
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("The development timestamp needs an RSA seal key.")
    seal_cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ODR Centre timestamp (development)")])
    serial = int.from_bytes(hashlib.sha256(seal_cert.public_bytes(serialization.Encoding.DER)).digest()[:16]) >> 1
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(seal_cert.not_valid_before_utc)
        .not_valid_after(seal_cert.not_valid_after_utc)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(key_der),
    )


@lru_cache(maxsize=4)
def _certificates_in(path: str) -> tuple[asn1_x509.Certificate, ...]:
    return tuple(load_certs_from_pemder([path]))


def _trust_roots() -> list[asn1_x509.Certificate]:
    """What the seal and its timestamp chain up to: the seal's certificate, and the timestamp authority's
    roots (or, in development, the in-process timestamp certificate)."""
    roots = [_seal_anchor()]
    if settings.ODR_TSA_URL:
        if not settings.ODR_TSA_TRUST_ROOTS_PATH:
            raise ImproperlyConfigured("ODR_TSA_URL needs ODR_TSA_TRUST_ROOTS_PATH (the authority's root, PEM).")
        roots.extend(_certificates_in(str(settings.ODR_TSA_TRUST_ROOTS_PATH)))
    else:
        roots.append(_development_tsa(str(settings.ODR_SEAL_KEY_PATH), str(settings.ODR_SEAL_CERT_PATH))[0])
    return roots


def _timestamper() -> TimeStamper:
    if settings.ODR_TSA_URL:
        return RequestsHTTPTimeStamper(settings.ODR_TSA_URL, timeout=30)
    tsa_cert, tsa_key = _development_tsa(str(settings.ODR_SEAL_KEY_PATH), str(settings.ODR_SEAL_CERT_PATH))
    return DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)


def seal_pdf(pdf: bytes, *, reason: str) -> bytes:
    """Seal ``pdf`` (PAdES B-LT). Revocation data for certificates that point to it (CRL, OCSP) is
    fetched now and embedded; soft-fail because a self-signed seal or authority has none to give."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location="Hong Kong",
        embed_validation_info=True,
        validation_context=ValidationContext(
            trust_roots=_trust_roots(), allow_fetching=True, revocation_mode="soft-fail"
        ),
    )
    pdf_signer = signers.PdfSigner(metadata, signer=_current_signer(), timestamper=_timestamper())
    output = pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES_RESERVED)
    return output.getvalue()


@dataclass(frozen=True, slots=True)
class SealCheck:
    present: bool
    intact: bool
    trusted: bool
    covers_whole_file: bool

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.trusted and self.covers_whole_file


def _validate(seal: object, roots: list[asn1_x509.Certificate]) -> PdfSignatureStatus:
    """The seal's status; for a seal with a trusted timestamp, its certificate is checked as of the
    timestamp (the seal was made then), so expiry since does not undo it. Seals made before timestamps
    were added (PAdES B-B) are checked as of now, as they always were."""
    status = validate_pdf_signature(seal, ValidationContext(trust_roots=roots))  # type: ignore[arg-type]
    stamp = status.timestamp_validity
    if stamp is None or not (stamp.intact and stamp.valid and stamp.trusted):
        return status
    as_of_timestamp = ValidationContext(trust_roots=roots, moment=stamp.timestamp)
    return validate_pdf_signature(
        seal,  # type: ignore[arg-type]
        signer_validation_context=as_of_timestamp,
        ts_validation_context=ValidationContext(trust_roots=roots),
    )


def check_seal(pdf: bytes) -> SealCheck:
    """Is the file sealed by our certificate, and unchanged since? Never raises on bad input."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        seals = [s for s in reader.embedded_signatures if s.field_name == SEAL_FIELD]
    except Exception:
        return SealCheck(present=False, intact=False, trusted=False, covers_whole_file=False)
    if not seals:
        return SealCheck(present=False, intact=False, trusted=False, covers_whole_file=False)
    try:
        status = _validate(seals[0], _trust_roots())
    except Exception:
        return SealCheck(present=True, intact=False, trusted=False, covers_whole_file=False)
    return SealCheck(
        present=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=_covers_whole_file(status),
    )


def _covers_whole_file(status: PdfSignatureStatus) -> bool:
    """Nothing was added after sealing, except (B-LT) the validation data appended in the revision after
    the seal's: its document security store, which changes nothing shown."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
