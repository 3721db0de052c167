"""File names of an @ctes transmission, built and recognised in one place.

Sources: S²LOW's ActesTransaction::getStdFileName (message and document names),
ActesNameArchive (archive name check), Stela's ArchiveService (envelope and archive names),
and the naming notes of ianbogda/actesapi (pattern of each part).

    archive   {ITC}-{APPLI}--{SIREN}--{YYYYMMDD}-{n}.tar.gz
              SLO-EACT--210600730--20240110-3.tar.gz
    envelope  {APPLI}--{SIREN}--{YYYYMMDD}-{n}.xml
              EACT--210600730--20240110-3.xml
    message   {dept}-{SIREN}-{decision}-{number}-{NA}-{code}_0.xml
              079-210600730-20240108-2024_12-DE-1-1_0.xml
    files     {typology}-{dept}-{SIREN}-{decision}-{number}-{NA}-{code}_{k}.pdf, k = 1 (the act), 2…
              99_DE-079-210600730-20240108-2024_12-DE-1-1_1.pdf

ITC is the tiers' three-letter code (S²LOW's ACTES_APPLI_TRIGRAMME; "SLO" is the one the
actesapi notes use for S²LOW), APPLI the four-letter application code of the ministry's
platform ("EACT" in production; S²LOW's test configuration uses "TACT").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .nomenclature import TYPOLOGY_PATTERN

DEFAULT_TRIGRAM = "SLO"
DEFAULT_APPLICATION = "EACT"

_DEPT = r"(?:0[0-9]{2}|02[AB]|9[0-9]{2})"
_DATE = r"[0-9]{8}"
_NUMBER = r"[A-Z0-9_]{1,15}"
_NATURE = r"(?:DE|AR|AI|CC|BF|AU)"
_CODE = r"[1-7]-[1-5]"

ARCHIVE_RE = re.compile(
    r"^(?P<itc>[A-Za-z]{3})-(?P<appli>[A-Z]{4})--(?P<siren>[0-9]{9})--(?P<day>[0-9]{8})-"
    r"(?P<n>[0-9]{1,4})\.tar\.gz$"
)
ENVELOPE_RE = re.compile(
    r"^(?P<appli>[A-Z]{4})--(?P<siren>[0-9]{9})--(?P<day>[0-9]{8})-(?P<n>[0-9]{1,4})\.xml$"
)
# From the prefecture (EnveloppeMISILLCL): {APPLI}--{service}-{SIREN}-{date}-{n}.xml, the
# service being PREFddd, SPREFdddd or SGARddd (actesapi notes).
RETURN_ENVELOPE_RE = re.compile(
    r"^(?:ANO_)?(?P<appli>[A-Z]{4})--(?P<service>(?:PREF|SGAR)[0-9A-Z]{3}|SPREF[0-9A-Z]{4})-"
    r"(?P<siren>[0-9]{9})-(?P<day>[0-9]{8})-(?P<n>[0-9]{1,4})\.xml$"
)
BASE_RE = re.compile(
    rf"^(?P<dept>{_DEPT})-(?P<siren>[0-9]{{9}})-(?P<decision>{_DATE})-(?P<number>{_NUMBER})-"
    rf"(?P<nature>{_NATURE})-(?P<code>{_CODE})$"
)
MESSAGE_RE = re.compile(BASE_RE.pattern[:-1] + r"_0\.xml$")
FILE_RE = re.compile(
    rf"^(?:(?P<typology>{TYPOLOGY_PATTERN})-)?"
    + BASE_RE.pattern[1:-1]
    + r"_(?P<k>[0-9]{1,4})\.(?P<ext>[a-z]+)$"
)


@dataclass(frozen=True)
class Names:
    """Every name of one act's transmission archive."""

    archive: str
    envelope: str
    message: str
    document: str
    annexes: tuple[str, ...]


def envelope_name(
    siren: str, day: date, sequence: int, application: str = DEFAULT_APPLICATION
) -> str:
    return f"{application}--{siren}--{day:%Y%m%d}-{sequence}.xml"


def archive_name(envelope: str, trigram: str = DEFAULT_TRIGRAM) -> str:
    # Stela's getArchiveName and S²LOW's ActesNameArchive: "{ITC}-" + envelope stem.
    return f"{trigram}-{envelope.removesuffix('.xml')}.tar.gz"


def base_name(
    department: str, siren: str, decision: date, number: str, nature: str, code: str = "1-1"
) -> str:
    return f"{department}-{siren}-{decision:%Y%m%d}-{number}-{nature}-{code}"


def transmission_names(
    act_base: str,
    document_typology: str,
    annex_typologies: tuple[str, ...],
    envelope: str,
    trigram: str = DEFAULT_TRIGRAM,
) -> Names:
    # S²LOW numbers the act's file 1 and annexes from 2 (getStdFileName's fileNameSerial
    # starts at 1 and the act is added first); the message file is _0.xml.
    return Names(
        archive=archive_name(envelope, trigram),
        envelope=envelope,
        message=f"{act_base}_0.xml",
        document=f"{document_typology}-{act_base}_1.pdf",
        annexes=tuple(
            f"{typology}-{act_base}_{k}.pdf" for k, typology in enumerate(annex_typologies, start=2)
        ),
    )
