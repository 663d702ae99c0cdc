"""A self-signed key pair for the platform's seal, so the demo and the tests work out of the box."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Signs documents (with non-repudiation, as a seal must) and, self-signed, its own certificate.
SEAL_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


class Command(BaseCommand):
    help = "Create a self-signed RSA-2048 seal key and certificate at ODR_SEAL_KEY_PATH / ODR_SEAL_CERT_PATH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-missing", action="store_true", help="Do nothing when both files exist.")

    def handle(self, *args: Any, if_missing: bool = False, **options: Any) -> None:
        key_path, cert_path = Path(settings.ODR_SEAL_KEY_PATH), Path(settings.ODR_SEAL_CERT_PATH)
        if key_path.exists() and cert_path.exists():
            if if_missing:
                return
            raise CommandError(f"{key_path} already exists; remove it first to replace the seal.")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ODR Centre (development)"),
                x509.NameAttribute(NameOID.COMMON_NAME, "ODR Centre document seal (development)"),
            ]
        )
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(SEAL_KEY_USAGE, critical=True)
            .sign(key, hashes.SHA256())
        )
        key_path.parent.mkdir(parents=True, exist_ok=True)
        cert_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.stdout.write(f"Seal key written to {key_path}, certificate to {cert_path}")
