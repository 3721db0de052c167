"""What the tests and benchmarks make: inventories built straight from the dataclasses (no
YAML), registry rows, real PDFs, and the per-test media directory. The root conftest loads this
module as a plugin, for its `media` fixture."""

from __future__ import annotations

import io
import itertools
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from reportlab.pdfgen.canvas import Canvas

from provisioning.catalogue import ROLES, STANDARD_ASSEMBLIES
from provisioning.engine import make_plan
from provisioning.inventory import Assembly, Inventory, Member, Person, Seat, Syndicate
from provisioning.models import RegistryAssembly, RegistryMember, RegistryPerson, RegistrySeat
from provisioning.naming import assign_uids, default_hostname, slugify
from provisioning.registry import RegistryDriver

SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David"]
GIVEN = ["Jean", "Marie", "Pierre", "Anne", "Luc", "Élodie", "Hélène", "Noël", "Zoé", "Inès"]


def make_member(code: str, name: str, kind: str = "commune", services=("website", "extranet"),
                population: int = 500) -> Member:
    slug = slugify(name)
    assemblies = tuple(Assembly(s, n) for s, n in STANDARD_ASSEMBLIES[kind].items())
    return Member(code=code, name=name, kind=kind, population=population, slug=slug,
                  hostname=default_hostname(slug, "localhost"), services=tuple(services),
                  assemblies=assemblies)


def make_inventory(members: int = 3, people: int = 5, shared: int = 0,
                   path: str = "") -> Inventory:
    """`members` communes of `people` people each; the first `shared` people of member 0 also
    sit in member 1 (a maire who is also on another council)."""
    ms = [make_member(f"{79000 + i:05d}", f"Commune {i}") for i in range(members)]
    raw = []  # (email, given, surname, seats)
    for i, m in enumerate(ms):
        for j in range(people):
            role = "maire" if j == 0 else ("secretaire-de-mairie" if j == 1 else
                                           "conseiller-municipal")
            assemblies = () if role == "secretaire-de-mairie" else ("conseil-municipal",)
            seats = [Seat(m.code, (role,), assemblies)]
            if i == 0 and j < shared and members > 1:
                seats.append(Seat(ms[1].code, ("conseiller-municipal",), ("conseil-municipal",)))
            raw.append((f"p{i}-{j}@example.fr", GIVEN[(i + j) % len(GIVEN)],
                        SURNAMES[(i * 7 + j) % len(SURNAMES)], seats))
    uids = assign_uids((email, g, s, None) for email, g, s, _ in raw)
    persons = tuple(Person(uids[email], g, s, email, tuple(seats)) for email, g, s, seats in raw)
    return Inventory(path=path, syndicate=Syndicate("Syndicat test", "200000000", "example.fr",
                                                     "localhost"),
                     backends={}, members=tuple(ms), people=persons)


def without_person(inv: Inventory, uid: str) -> Inventory:
    return replace(inv, people=tuple(p for p in inv.people if p.uid != uid))


def renamed(inv: Inventory, uid: str, surname: str) -> Inventory:
    return replace(inv, people=tuple(replace(p, surname=surname) if p.uid == uid else p
                                     for p in inv.people))


# --------------------------------------------------------------------------- communes

NAMES = ("Alphaville", "Bravoville")


def commune_inventory(names: tuple[str, ...] = NAMES, services=("website", "extranet"),
                      extra: tuple[str, ...] = ()) -> Inventory:
    """Communes with a maire, an adjointe, a conseiller and a secrétaire each."""
    base = make_inventory(members=0, people=0)
    members = []
    for i, name in enumerate(names + extra):
        m = make_member(f"{79100 + i:05d}", name, services=services)
        members.append(replace(m, email=f"mairie@{m.slug}.example.fr",
                               address=f"1 place de la Mairie, {name}", phone="05 49 00 00 00"))
    raw = []
    for m in members:
        for given, surname, role, title in (
                ("Sylvie", f"Maire{m.slug.title()}", "maire", ""),
                ("Paul", f"Adjoint{m.slug.title()}", "adjoint", "Adjoint aux finances"),
                ("Inès", f"Conseil{m.slug.title()}", "conseiller-municipal", ""),
                ("Zoé", f"Secretaire{m.slug.title()}", "secretaire-de-mairie", "")):
            assemblies = () if role == "secretaire-de-mairie" else ("conseil-municipal",)
            raw.append((f"{given}.{surname}@example.fr".lower(), given, surname,
                        Seat(m.code, (role,), assemblies, title)))
    uids = assign_uids((email, g, s, None) for email, g, s, _ in raw)
    people = tuple(Person(uids[email], g, s, email, (seat,)) for email, g, s, seat in raw)
    return replace(base, members=tuple(members), people=people)


def provision(inventory: Inventory) -> list:
    """Plan with the registry and site drivers, then apply each change through its driver
    (in plan order, in this thread: tests that need the engine's threads use apply_plan)."""
    from wagtail_site_factory.driver import SiteDriver

    drivers = {"registry": RegistryDriver(), "wagtail": SiteDriver()}
    plan = make_plan(inventory, list(drivers.values()))
    for change in plan.pending:
        outcome = drivers[change.backend].apply([change])[0]
        assert outcome.ok, outcome.error
    return plan.pending


SMALL_INVENTORY = """\
syndicate:
  name: Syndicat de test
  siren: "257900126"
  domain: example.fr
  sites_domain: localhost
members:
  - code: "79142"
    name: Juillé
    kind: commune
    services: [website, extranet, agenda, convocation]
    people:
      - {given_name: Jeanne, surname: Dupont, email: jeanne.dupont@example.fr, roles: [maire]}
      - {given_name: Jean, surname: Dupont, email: jean.dupont@example.fr,
         roles: [conseiller municipal]}
      - {given_name: Zoé, surname: "N'Diaye", email: zoe.ndiaye@example.fr,
         roles: [secrétaire de mairie]}
  - code: "79055"
    name: Brieuil-sur-Chizé
    kind: commune
    services: [website]
    people:
      - {given_name: Luc, surname: Moreau, email: luc.moreau@example.fr, roles: [maire]}
      - {given_name: Jeanne, surname: Dupont, email: jeanne.dupont@example.fr,
         roles: [conseiller municipal]}
"""


def small_inventory_file(directory: Path) -> Path:
    """SMALL_INVENTORY written as inventory.yml in `directory`."""
    path = directory / "inventory.yml"
    path.write_text(textwrap.dedent(SMALL_INVENTORY))
    return path


# --------------------------------------------------------------------------- registry rows


def add_person(member: RegistryMember, uid: str, given: str = "Zoé", surname: str = "",
               roles=("secretaire-de-mairie",), title: str = "", civility: str = "",
               assemblies=None, email: str = "") -> RegistryPerson:
    """A person straight into the registry with one seat in `member`. Unless told otherwise,
    an elected role sits in the conseil municipal and a staff role in no assembly; the e-mail
    is <uid>@example.fr and the surname the uid, titled."""
    person = RegistryPerson.objects.create(uid=uid, email=email or f"{uid}@example.fr",
                                           given_name=given, surname=surname or uid.title(),
                                           civility=civility)
    if assemblies is None:
        elected = any(ROLES.get(r, {}).get("elected") for r in roles)
        assemblies = ["conseil-municipal"] if elected else []
    RegistrySeat.objects.create(member=member, person=person, roles=list(roles),
                                assemblies=list(assemblies), title=title)
    return person


@dataclass
class Council:
    member: RegistryMember
    assembly: RegistryAssembly
    elected: list[RegistryPerson]
    secretary: RegistryPerson

    def user(self, person: RegistryPerson | None = None) -> User:
        person = person or self.secretary
        return User.objects.get_or_create(username=person.uid)[0]


_codes = itertools.count(1)


def make_council(members: int = 5, population: int = 800, kind: str = "commune",
                 code: str | None = None, name: str = "Melle") -> Council:
    """A member, its deliberative assembly, `members` elected people sitting in it and a
    secrétaire de mairie, straight into the registry."""
    n = next(_codes)
    code = code or (f"{n:05d}" if kind == "commune" else f"2{n:08d}")
    slug = "conseil-municipal" if kind == "commune" else "conseil-communautaire"
    assembly_name = "Conseil municipal" if kind == "commune" else "Conseil communautaire"
    member = RegistryMember.objects.create(
        code=code, name=name, kind=kind, population=population, slug=f"m{code}",
        hostname=f"m{code}.localhost", email=f"mairie-{code}@example.fr",
        address="1 place de la Mairie", services=["extranet", "agenda", "convocation"])
    assembly = RegistryAssembly.objects.create(member=member, slug=slug, name=assembly_name)
    elected = []
    for i in range(members):
        role = ("maire" if kind == "commune" else "president") if i == 0 else (
            "conseiller-municipal" if kind == "commune" else "conseiller-communautaire")
        elected.append(add_person(member, f"e{code}-{i}", f"Élu{i}", f"Nom{i}", [role],
                                  assemblies=[slug], email=f"e{i}-{code}@example.fr"))
    secretary = add_person(member, f"s{code}", "Zoé", "Secrétaire", email=f"s-{code}@example.fr")
    return Council(member, assembly, elected, secretary)


# --------------------------------------------------------------------------- files


def make_pdf(text: str = "Délibération n° 2026-12 : budget primitif", pages: int = 1, *,
             title: str = "", reproducible: bool = False) -> bytes:
    """A real PDF of `pages` pages, each showing the text and its page number ("<text> — page
    <n>"), uncompressed so that tests can find and change its text. `title` fills its
    metadata; `reproducible` gives the same bytes for the same arguments."""
    out = io.BytesIO()
    canvas = Canvas(out, pageCompression=0, invariant=reproducible)
    if title:
        canvas.setTitle(title)
    for page in range(pages):
        canvas.drawString(72, 760, f"{text} — page {page + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.fixture
def media(tmp_path, settings) -> Path:
    """MEDIA_ROOT in a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
