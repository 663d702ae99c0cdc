"""Plug points the documents app offers to the apps above it, which register in their ``AppConfig.ready()``.

/verify/ checks every sealed document the platform issues, including those an app above keeps in rows of its
own (a deal's executed contract): such an app registers how to find one of its documents by the SHA-256 of
its bytes, and by its verification reference and SHA-256, and says what the page shows of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Signatory:
    full_name: str
    organisation_name: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    """What /verify/ tells whoever holds an authentic document: ``title`` says in words what it is (in the
    language of the page: "the executed contract D-2026-000001 between ..."), then its reference, when it
    was issued and sealed, and who signed it."""

    title: str
    reference: str
    issued_at: datetime
    signatories: Sequence[Signatory] = field(default_factory=tuple)


# The executed document whose bytes have this SHA-256 (lower-case hex), or None.
FindBySha256 = Callable[[str], VerifiedDocument | None]
# The executed document with this verification reference (upper case) and SHA-256 (lower case), or None.
FindByReference = Callable[[str, str], VerifiedDocument | None]


@dataclass(frozen=True, slots=True)
class Verifier:
    by_sha256: FindBySha256
    by_reference: FindByReference


_verifiers: list[Verifier] = []


def register_verifier(find_by_sha256: FindBySha256, find_by_reference: FindByReference) -> None:
    verifier = Verifier(find_by_sha256, find_by_reference)
    if verifier not in _verifiers:
        _verifiers.append(verifier)


def registered_verifiers() -> list[Verifier]:
    return list(_verifiers)
