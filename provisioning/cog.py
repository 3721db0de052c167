"""Reference data: the French communes and EPCI of the Code officiel géographique (COG).

Read from Mutualis's own compact copy, `provisioning/data/cog.json.gz`, built by
`scripts/build_cog.py` from Etalab's `@etalab/decoupage-administratif` (MIT licence; see
`provisioning/data/README.md`). The inventory validator uses it to check INSEE codes and
SIRENs, to check that a name matches its code, to fill a missing population and to know an
EPCI's member communes.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "cog.json.gz"


@dataclass(frozen=True)
class Commune:
    code: str  # INSEE code, 5 characters (2A/2B in Corsica)
    name: str
    siren: str  # "" for the few communes without one
    population: int | None
    departement: str


@dataclass(frozen=True)
class Epci:
    siren: str
    name: str
    type: str  # CC, CA, CU, METRO, MET69
    population: int | None
    members: tuple[str, ...]  # INSEE codes of the member communes


@dataclass(frozen=True)
class FormerCommune:
    """A commune déléguée or associée whose code no longer designates a current commune."""

    code: str
    name: str
    current: str  # INSEE code of the commune it is now part of


def _luhn_sum(digits: str, double_last: bool) -> int:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if (i % 2 == 0) == double_last else 1)
        total += n - 9 if n > 9 else n
    return total


def luhn_valid(digits: str) -> bool:
    """The Luhn check every SIREN passes (except a few of La Poste's)."""
    return digits.isdigit() and _luhn_sum(digits, double_last=False) % 10 == 0


def derived_siren(code: str) -> str:
    """The SIREN INSEE gave most communes: 21, the département, 0, the commune, a Luhn key.

    Metropolitan communes: 21 + DD + 0 + CCC + key (Corsica's 2A/2B count as 20); overseas
    (97DCC): 21 + 97DCC + key. Newer communes (communes nouvelles) got another SIREN; the
    data file stores those explicitly.
    """
    if code.startswith("97"):
        base = "21" + code
    else:
        base = "21" + code[:2].replace("2A", "20").replace("2B", "20") + "0" + code[2:]
    return base + str(-_luhn_sum(base, double_last=True) % 10)


class Cog:
    """The loaded reference data, indexed by INSEE code and by SIREN."""

    def __init__(self, data: dict):
        self.source: str = data["source"]
        columns = data["communes"]
        self.communes: dict[str, Commune] = {}
        for code, name, siren, population, departement in zip(
                columns["code"], columns["nom"], columns["siren"], columns["population"],
                columns["departement"], strict=True):
            siren = derived_siren(code) if siren == "" else (siren or "")
            self.communes[code] = Commune(code, name, siren, population, departement)
        self.former: dict[str, FormerCommune] = {
            code: FormerCommune(code, name, current) for code, name, current in data["former"]}
        self.epcis: dict[str, Epci] = {
            siren: Epci(siren, name, kind, population, tuple(members))
            for siren, name, kind, population, members in data["epci"]}
        self.commune_by_siren: dict[str, Commune] = {
            c.siren: c for c in self.communes.values() if c.siren}
        self._epcis_of: dict[str, list[Epci]] = {}
        for epci in self.epcis.values():
            for code in epci.members:
                self._epcis_of.setdefault(code, []).append(epci)

    def commune(self, code: str) -> Commune | None:
        return self.communes.get(code)

    def epci(self, siren: str) -> Epci | None:
        return self.epcis.get(siren)

    def former_commune(self, code: str) -> FormerCommune | None:
        return self.former.get(code)

    def epcis_of(self, code: str) -> list[Epci]:
        """The EPCI a commune belongs to (normally exactly one)."""
        return list(self._epcis_of.get(code, ()))

    def member_communes(self, siren: str) -> list[Commune]:
        epci = self.epcis.get(siren)
        return [self.communes[c] for c in epci.members if c in self.communes] if epci else []


@cache
def load(path: Path = DATA_FILE) -> Cog:
    """The shipped reference data (read once per process)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return Cog(json.load(f))


def commune(code: str) -> Commune | None:
    return load().commune(code)


def epci(siren: str) -> Epci | None:
    return load().epci(siren)
