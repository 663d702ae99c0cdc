"""The platform's seal: a PAdES signature with the key and certificate from settings, and its check."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

SEAL_FIELD = "ODRCentreSeal"


@lru_cache(maxsize=1)
def _signer(key_path: str, cert_path: str) -> signers.SimpleSigner:
    # Loaded once per process: reading the key costs more than the signature itself.
    if not Path(key_path).exists() or not Path(cert_path).exists():
        raise ImproperlyConfigured(
            "The seal key or certificate is missing (ODR_SEAL_KEY_PATH / ODR_SEAL_CERT_PATH); "
            "for development run `manage.py create_dev_seal_key`."
        )
    signer = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=None)
    if signer is None:
        raise ImproperlyConfigured("The seal key or certificate could not be read.")
    return signer


def _current_signer() -> signers.SimpleSigner:
    return _signer(str(settings.ODR_SEAL_KEY_PATH), str(settings.ODR_SEAL_CERT_PATH))


def seal_pdf(pdf: bytes, *, reason: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location="Hong Kong",
    )
    output = signers.sign_pdf(writer, metadata, signer=_current_signer(), bytes_reserved=16384)
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


def check_seal(pdf: bytes) -> SealCheck:
    """Is the file sealed by our certificate, and unchanged since? Never raises on bad input."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        seals = [s for s in reader.embedded_signatures if s.field_name == SEAL_FIELD]
    except Exception:
        return SealCheck(present=False, intact=False, trusted=False, covers_whole_file=False)
    if not seals:
        return SealCheck(present=False, intact=False, trusted=False, covers_whole_file=False)
    signing_cert = _current_signer().signing_cert
    assert signing_cert is not None
    cert = asn1_x509.Certificate.load(signing_cert.dump())
    try:
        status = validate_pdf_signature(seals[0], ValidationContext(trust_roots=[cert]))
    except Exception:
        return SealCheck(present=True, intact=False, trusted=False, covers_whole_file=False)
    return SealCheck(
        present=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
    )
