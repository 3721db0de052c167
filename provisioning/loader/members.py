"""Pass 3 of the loader, the members: codes and names against the COG, websites, service
dependencies, assemblies, and no member or hostname given twice."""

from __future__ import annotations

import re

import idna

from .. import catalogue, naming
from ..cog import Commune, Epci
from ..inventory import Assembly, Member, Syndicate
from ..quoting import shown
from ..schema import MEMBER_CODE_PATTERN
from .departments import DepartmentChecks
from .helpers import _HOSTNAME_RULE, _email_valid, _hostname, _items, _text
from .mail import MailChecks
from .people import PeopleChecks, _PersonDraft
from .yaml_source import JsonPath

_MEMBER_CODE = re.compile(MEMBER_CODE_PATTERN)
_NAME_WORDS = {"st": "saint", "ste": "sainte"}
_ARTICLES = {"d", "de", "des", "du", "l", "la", "le", "les"}
# Ways the names of EPCI are written, reduced to the COG's abbreviations.
_EPCI_PREFIXES = {"communaute-de-communes-": "cc-", "communaute-d-agglomeration-": "ca-",
                  "communaute-urbaine-": "cu-"}


def _name_key(name: str) -> str:
    """A name reduced for comparison: slug, EPCI prefixes abbreviated, 'St' spelt out, articles
    dropped ("Communauté de communes du Mellois en Poitou" is "CC Mellois en Poitou")."""
    slug = naming.slugify(name.replace("\u2019", "'"))
    for long, short in _EPCI_PREFIXES.items():
        if slug.startswith(long):
            slug = short + slug[len(long):]
    words = [_NAME_WORDS.get(w, w) for w in slug.split("-")]
    return "-".join(w for w in words if w not in _ARTICLES)


DNS_LABEL_MAX = 63  # RFC 1035


class MemberChecks(PeopleChecks, MailChecks, DepartmentChecks):
    """Each member, built into a `Member`; its people are checked by `PeopleChecks`."""

    def member_code(self, path: JsonPath, code: str, kind: str) -> Commune | Epci | None:
        """The COG entry of a member (a Commune or an Epci), or None after an error."""
        cog = self.cog
        at = path + ("code",)
        if kind == "commune":
            if len(code) == 9:
                if code in cog.commune_by_siren:
                    commune = cog.commune_by_siren[code]
                    self.error(at, f"a commune is identified by its INSEE code, not its SIREN: "
                                   f'write code: "{commune.code}" ({commune.name})')
                elif code in cog.epcis:
                    self.error(at, f'{code} is the SIREN of the EPCI "{cog.epcis[code].name}": '
                                   "write kind: epci")
                else:
                    self.error(at, f'a commune is identified by its 5-character INSEE code, '
                                   f'not a 9-digit number like {shown(code)}')
                return None
            commune = cog.commune(code)
            if commune is None:
                former = cog.former_commune(code)
                if former is not None:
                    current = cog.communes[former.current]
                    self.error(at, f"INSEE code {code} is {former.name}, a former commune now "
                                   f'part of {current.name}: use code "{current.code}"')
                else:
                    self.error(at, f"INSEE code {code} is not a current commune in the COG")
            return commune
        if len(code) != 9:
            commune = cog.commune(code)
            which = f" ({code} is the commune of {commune.name})" if commune else ""
            self.error(at, "an EPCI is identified by its 9-digit SIREN, not a 5-character "
                           f"INSEE code{which}")
            return None
        epci = cog.epci(code)
        if epci is None:
            if code in cog.commune_by_siren:
                commune = cog.commune_by_siren[code]
                self.error(at, f"SIREN {code} is the commune of {commune.name}, not an EPCI: "
                               f'write kind: commune and code: "{commune.code}"')
            else:
                self.error(at, f"SIREN {code} is not an EPCI in the COG")
        return epci

    def member(self, index: int, raw: dict, syndicate: Syndicate | None,
               people: dict[str, _PersonDraft]) -> Member | None:
        path: JsonPath = ("members", index)
        code, name, kind = _text(raw.get("code")), _text(raw.get("name")), raw.get("kind")
        kind = kind if kind in catalogue.MEMBER_KINDS else None
        reference = None
        if code and kind and _MEMBER_CODE.match(code):
            reference = self.member_code(path, code, kind)
        if reference is not None and name and _name_key(name) != _name_key(reference.name):
            what = "INSEE code" if kind == "commune" else "SIREN"
            self.error(path + ("name",), f'name {shown(name)} does not match {what} {code}, '
                                         f'which is "{reference.name}"')
        slug = naming.slugify(name) if name else ""
        if name and not slug:
            self.error(path + ("name",),
                       f"name {shown(name)} has no letter or digit to make a slug")
        hostname = self.member_hostname(path, raw, slug, syndicate)
        services = [s for s in _items(raw.get("services"))
                    if isinstance(s, str) and s in catalogue.SERVICES]
        for service, needed in catalogue.missing_dependencies(services):
            self.error(path + ("services", _items(raw.get("services")).index(service)),
                       f'service "{service}" needs "{needed}", which this member does not '
                       "subscribe to")
        email = _text(raw.get("email"))
        if email and not _email_valid(email):
            self.error(path + ("email",), f'email {shown(email)} is not a valid address')
        assemblies = self.member_assemblies(path, raw, kind)
        elected, people_ok = False, True
        for j, person in enumerate(_items(raw.get("people"))):
            seat = None
            if isinstance(person, dict):
                seat = self.person(path + ("people", j), person, code, kind, assemblies, people)
            people_ok = people_ok and seat is not None
            elected = elected or bool(seat and seat.elected)
        if "convocation" in services and not elected and people_ok:
            self.error(path + ("services", _items(raw.get("services")).index("convocation")),
                       'subscribes to "convocation" but has no elected person to convene')
        mail = self.member_mail(path, raw, slug, syndicate, assemblies)
        departments = self.member_departments(path, raw)
        population = raw.get("population")
        if not isinstance(population, int) or isinstance(population, bool):
            population = reference.population if reference and reference.population else 0
        if not (code and name and kind and hostname and reference):
            return None
        siren = reference.siren if kind == "commune" else code
        return Member(code=code, name=name, kind=kind, population=population, slug=slug,
                      hostname=hostname, services=tuple(raw.get("services") or ()),
                      assemblies=tuple(assemblies), siren=siren,
                      address=_text(raw.get("address")) or "", email=email or "",
                      phone=_text(raw.get("phone")) or "", mail=mail,
                      departments=tuple(departments))

    def member_hostname(self, path: JsonPath, raw: dict, slug: str,
                        syndicate: Syndicate | None) -> str | None:
        website = _text(raw.get("website"))
        if website is None:
            if not (slug and syndicate):
                return None
            if len(slug) > DNS_LABEL_MAX:  # a long EPCI name: its slug cannot be a host label
                self.error(path + ("name",), (
                    f"name makes a site hostname label of {len(slug)} characters, more than "
                    f"the {DNS_LABEL_MAX} a DNS label holds: declare the member's website "
                    f"(e.g. website: {slug[:40].rstrip('-')}.{syndicate.sites_domain})"))
                return None
            try:
                return naming.default_hostname(slug, syndicate.sites_domain)
            except (idna.IDNAError, UnicodeError) as exc:
                self.error(path + ("name",), f"name makes no valid site hostname under "
                                             f"{shown(syndicate.sites_domain)} ({exc}): declare "
                                             "the member's website")
                return None
        at = path + ("website",)
        if "/" in website or ":" in website:
            self.error(at, f'website must be a hostname like melle.fr, not a URL: {shown(website)}')
            return None
        ascii_name = _hostname(website)
        if ascii_name is None:
            self.error(at, f'website {shown(website)} is not a valid hostname: {_HOSTNAME_RULE}')
        elif "." not in ascii_name:
            self.error(at, f'website {shown(website)} is not a full hostname: write e.g. '
                           f"{shown(website, quote=False)}.fr")
            return None
        return ascii_name

    def member_assemblies(self, path: JsonPath, raw: dict, kind: str | None) -> list[Assembly]:
        standard = catalogue.STANDARD_ASSEMBLIES.get(kind or "", {})
        assemblies = [Assembly(slug, label) for slug, label in standard.items()]
        lines: dict[str, int] = {}
        for i, item in enumerate(_items(raw.get("assemblies"))):
            if not isinstance(item, dict) or not _text(item.get("name")):
                continue
            name = _text(item["name"])
            slug = item.get("slug") if isinstance(item.get("slug"), str) else naming.slugify(name)
            at = path + ("assemblies", i)
            if not slug:
                self.error(at + ("name",), f'assembly {shown(name)} has no letter or digit to make '
                                           "a slug")
            elif slug in standard:
                self.error(at, f'assembly {shown(slug)} exists in every '
                               f"{'EPCI' if kind == 'epci' else kind}: do not declare it")
            elif slug in lines:
                self.error(at, f'assembly {shown(slug)} is declared twice (first at line '
                               f"{lines[slug]})")
            else:
                lines[slug] = self.source.line(at)
                assemblies.append(Assembly(slug, name))
        return assemblies

    def check_unique_members(self, members: list[tuple[int, Member]]) -> None:
        codes: dict[str, int] = {}
        hosts: dict[str, tuple[str, int]] = {}
        for index, member in members:
            path: JsonPath = ("members", index)
            line = self.source.line(path + ("code",))
            if member.code in codes:
                self.error(path + ("code",), f"this member is declared twice (first at line "
                                             f"{codes[member.code]})")
                continue
            codes[member.code] = line
            if member.hostname in hosts:
                other, other_line = hosts[member.hostname]
                self.error(path + ("website",), f'hostname "{member.hostname}" is already used '
                                                f"by member {other} (line {other_line}): set "
                                                "a different website for one of them")
            else:
                hosts[member.hostname] = (member.code, self.source.line(path + ("website",)))
