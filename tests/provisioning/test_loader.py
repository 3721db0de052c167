"""Loading the example inventory, its normalisation, the schema and the shipped COG copy."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from provisioning import catalogue, cog
from provisioning.drivers import ProvisioningError
from provisioning.inventory import Assembly, BackendConfig, Inventory
from provisioning.loader import InventoryError, VaultValue, load_inventory, parse_inventory
from provisioning.schema import INVENTORY_SCHEMA, schema_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pays-mellois.yml"
EPCI = "200069755"
COMMUNES = ["79174", "79061", "79204", "79295", "79122", "79106", "79177"]


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(EXAMPLE)


def person(inventory: Inventory, email: str):
    return next(p for p in inventory.people if p.email == email)


def uids(inventory: Inventory) -> dict[str, str]:
    return {p.email: p.uid for p in inventory.people}


# -- the example -----------------------------------------------------------------------------

def test_example_members(inventory):
    assert inventory.path == str(EXAMPLE)
    assert inventory.syndicate.name == "Syndicat mixte Pays Mellois Numérique"
    assert inventory.syndicate.siren == "257900126"
    assert inventory.syndicate.sites_domain == "localhost"
    assert [m.code for m in inventory.members] == [EPCI, *COMMUNES]
    assert [m.kind for m in inventory.members] == ["epci"] + ["commune"] * 7
    assert any(m.kind == "commune" and m.population >= 3500 for m in inventory.members)
    assert sum(m.kind == "commune" and m.population < 1000 for m in inventory.members) >= 4
    assert {s for m in inventory.members for s in m.services} == set(catalogue.SERVICES)
    for member in inventory.members:
        assert 10 <= len(inventory.people_of(member.code)) <= 45, member.code
        assert not catalogue.missing_dependencies(list(member.services))


def test_example_people_counts(inventory):
    assert len(inventory.people) == 160
    assert sum(len(p.seats) for p in inventory.people) == 170
    assert len({p.uid for p in inventory.people}) == 160
    assert len({p.email for p in inventory.people}) == 160


def test_example_codes_are_real(inventory):
    reference = cog.load()
    assert reference.epci(EPCI).name == "CC Mellois en Poitou"
    for code in COMMUNES:
        assert reference.commune(code).name == inventory.member(code).name
        assert code in reference.epci(EPCI).members


def test_shared_person_is_one_person_with_two_seats(inventory):
    mayor = person(inventory, "sylvain.gaborit@melle.paysmellois.fr")
    assert mayor.uid == "sgaborit"
    assert [s.member for s in mayor.seats] == [EPCI, "79174"]
    epci_seat, commune_seat = mayor.seats
    assert epci_seat.roles == ("vice-president",)
    assert epci_seat.assemblies == ("conseil-communautaire", "bureau", "commission-finances")
    assert epci_seat.title == "Vice-président aux finances"
    assert commune_seat.roles == ("maire",)
    assert commune_seat.assemblies == ("conseil-municipal",)
    assert mayor in inventory.people_of(EPCI) and mayor in inventory.people_of("79174")


def test_secretary_of_three_communes(inventory):
    secretary = person(inventory, "murielle.chaumette@paysmellois.fr")
    assert [s.member for s in secretary.seats] == ["79204", "79295", "79177"]
    assert all(s.roles == ("secretaire-de-mairie",) and s.assemblies == ()
               for s in secretary.seats)
    assert not secretary.seats[0].elected


def test_population_filled_from_the_cog(inventory):
    assert inventory.member("79174").population == 6063  # declared: kept though the COG differs
    assert cog.commune("79174").population != 6063
    for code in COMMUNES[1:]:
        assert inventory.member(code).population == cog.commune(code).population > 0
    assert inventory.member("79061").population == 3829
    assert inventory.member(EPCI).population == cog.epci(EPCI).population


def test_sirens(inventory):
    assert inventory.member("79174").siren == "200081511"  # a commune nouvelle
    assert inventory.member("79204").siren == "217902048"  # derived from the INSEE code
    assert inventory.member(EPCI).siren == EPCI


def test_slugs_and_hostnames(inventory):
    assert inventory.member("79122").slug == "fontenille-saint-martin-d-entraigues"
    assert inventory.member("79295").slug == "saint-romans-les-melle"
    assert inventory.member("79122").hostname == "fontenille-saint-martin-d-entraigues.localhost"
    assert inventory.member("79174").hostname == "melle.localhost"
    # Périgné's website keeps its accents: IDNA.
    assert inventory.member("79204").hostname == "xn--prign-bsae.localhost"
    assert "périgné.localhost".encode("idna").decode() == "xn--prign-bsae.localhost"
    assert len({m.hostname for m in inventory.members}) == len(inventory.members)


def test_roles_are_normalised(inventory):
    roles = {r for p in inventory.people for s in p.seats for r in s.roles}
    assert roles <= set(catalogue.ROLES)
    assert roles == set(catalogue.ROLES) - {"maire-delegue"}
    # Written "DGS" and "Directrice générale des services" in the file.
    assert person(inventory, "thomas.lhuillier@melle.paysmellois.fr").seats[0].roles == ("dgs",)
    assert person(inventory, "pascale.ecalle@mellois-en-poitou.paysmellois.fr").seats[0].roles \
        == ("dgs",)


def test_assemblies(inventory):
    melle = inventory.member("79174")
    assert melle.assemblies == (
        Assembly("conseil-municipal", "Conseil municipal"),
        Assembly("commission-finances", "Commission des finances"),
        Assembly("commission-urbanisme", "Commission urbanisme et travaux"),
        Assembly("commission-d-appel-d-offres", "Commission d'appel d'offres"))
    assert [a.slug for a in inventory.member(EPCI).assemblies] == [
        "conseil-communautaire", "bureau", "commission-finances", "commission-environnement"]
    president = person(inventory, "claude.bonnin-vrignaud@mellois-en-poitou.paysmellois.fr")
    assert president.seats[0].assemblies == ("conseil-communautaire", "bureau")
    # Staff sit nowhere by default, but may be declared in an assembly.
    assistant = person(inventory, "zoe.marsault@mellois-en-poitou.paysmellois.fr")
    assert assistant.seats[0].assemblies == ("bureau",)
    agent = person(inventory, "eloise.ndiaye@melle.paysmellois.fr")
    assert agent.seats[0].assemblies == ()
    dgs = person(inventory, "thomas.lhuillier@melle.paysmellois.fr")
    assert dgs.seats[0].assemblies == ("commission-finances",)
    assert dgs.uid == "tlhuillier"  # explicit uid
    in_finances = [p.uid for p in inventory.people_of("79174")
                   if "commission-finances" in p.seat("79174").assemblies]
    assert len(in_finances) == 4


def test_people_with_apostrophes_and_accents(inventory):
    eloise = person(inventory, "eloise.ndiaye@melle.paysmellois.fr")
    assert (eloise.given_name, eloise.surname, eloise.uid) == ("Éloïse", "N'Diaye", "endiaye")
    jf = person(inventory, "jean-francois.peronnet@perigne.paysmellois.fr")
    assert jf.uid == "jfperonnet" and len(jf.seats) == 2


def test_colliding_uids_are_distinct(inventory):
    assert person(inventory, "jean.moreau@melle.paysmellois.fr").uid == "jmoreau"
    assert person(inventory, "julie.moreau@perigne.paysmellois.fr").uid == "jmoreau2"


def _reordered(text: str) -> str:
    """The same inventory with members and people in reverse order."""
    data = yaml.safe_load(text)
    data["members"].reverse()
    for member in data["members"]:
        member["people"].reverse()
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_uids_are_deterministic_and_independent_of_order(inventory):
    again = load_inventory(EXAMPLE)
    assert uids(again) == uids(inventory)
    reordered = parse_inventory(_reordered(EXAMPLE.read_text(encoding="utf-8")), "reordered.yml")
    assert [m.code for m in reordered.members] == [*reversed(COMMUNES), EPCI]
    assert uids(reordered) == uids(inventory)


def test_known_uids_are_kept(inventory):
    known = {"julie.moreau@perigne.paysmellois.fr": "jmoreau",
             "Someone.Gone@melle.paysmellois.fr": "jmoreau2"}
    again = load_inventory(EXAMPLE, known_uids=known)
    assert person(again, "julie.moreau@perigne.paysmellois.fr").uid == "jmoreau"
    assert person(again, "jean.moreau@melle.paysmellois.fr").uid == "jmoreau3"
    changed = {e for e, u in uids(again).items() if uids(inventory)[e] != u}
    assert changed == {"julie.moreau@perigne.paysmellois.fr", "jean.moreau@melle.paysmellois.fr"}


def test_backends(inventory):
    # No Nextcloud is embedded: the example (the demo) goes without one.
    assert set(inventory.backends) == {"ldap", "caldav", "smtp", "mail"}
    assert all(b.embedded and b.secrets == {} for b in inventory.backends.values())
    assert inventory.backends["ldap"].settings == {"url": "embedded",
                                                   "base_dn": "dc=paysmellois,dc=fr"}


# -- secrets ---------------------------------------------------------------------------------

VAULT = """\
$ANSIBLE_VAULT;1.1;AES256
62313365396662343061393464336163383764373764613633653634306231386433626436623361
6134333665353966363534333632666535333761666131620a663537646436643839616531643561
"""
SECRETS = f"""\
syndicate: {{name: Test, siren: "200000000", domain: example.fr}}
backends:
  ldap:
    url: ldaps://ldap.example.fr
    base_dn: dc=example,dc=fr
    bind_dn: cn=mutualis,dc=example,dc=fr
    bind_password: ${{LDAP_PASSWORD}}
  smtp:
    host: smtp.example.fr
    port: 587
    password: !vault |
{''.join('      ' + line + chr(10) for line in VAULT.splitlines())}members: []
"""


def test_secret_references_are_kept_as_references(monkeypatch):
    inventory = parse_inventory(SECRETS, "secrets.yml")
    ldap = inventory.backends["ldap"]
    assert ldap == BackendConfig("ldap")
    assert not ldap.embedded
    assert ldap.settings == {"url": "ldaps://ldap.example.fr", "base_dn": "dc=example,dc=fr",
                             "bind_dn": "cn=mutualis,dc=example,dc=fr"}
    assert ldap.secrets == {"bind_password": "${LDAP_PASSWORD}"}
    vault = inventory.backends["smtp"].secrets["password"]
    assert isinstance(vault, VaultValue)
    assert vault.ciphertext == VAULT.strip()
    assert repr(vault) == "VaultValue(<encrypted>)"
    assert inventory.backends["smtp"].settings == {"host": "smtp.example.fr", "port": 587}
    assert inventory.members == () and inventory.people == ()


def test_vault_value_needs_ansible_and_a_password_file(monkeypatch, tmp_path):
    vault = parse_inventory(SECRETS, "secrets.yml").backends["smtp"].secrets["password"]
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    with pytest.raises(ProvisioningError) as caught:
        vault.decrypt("backends.smtp.password")
    message = str(caught.value)
    assert message.startswith("backends.smtp.password: this secret is an Ansible Vault value")
    try:
        from ansible.parsing.vault import VaultLib  # noqa: F401
    except ImportError:
        assert "install ansible-core or use a ${ENV_VAR} reference" in message
    else:
        assert "set ANSIBLE_VAULT_PASSWORD_FILE" in message


def test_vault_value_in_json_form():
    text = SECRETS.replace("password: !vault |",
                           'password: {__ansible_vault: "$ANSIBLE_VAULT;1.1;AES256\\n6231"}')
    text = "\n".join(line for line in text.splitlines() if not line.startswith("      "))
    vault = parse_inventory(text, "secrets.yml").backends["smtp"].secrets["password"]
    assert isinstance(vault, VaultValue) and vault.ciphertext.startswith("$ANSIBLE_VAULT;1.1")


# -- the JSON Schema -------------------------------------------------------------------------

def test_schema_is_valid_draft_2020_12():
    schema = json.loads(schema_json())
    assert schema == INVENTORY_SCHEMA
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_example_validates_against_the_published_schema():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads(schema_json()))
    assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_lists_the_catalogue():
    member = INVENTORY_SCHEMA["$defs"]["member"]["properties"]
    assert member["services"]["items"]["enum"] == list(catalogue.SERVICES)
    assert member["kind"]["enum"] == ["commune", "epci"]


# -- the shipped COG copy --------------------------------------------------------------------

def test_cog_is_the_shipped_copy():
    assert cog.DATA_FILE == ROOT / "provisioning" / "data" / "cog.json.gz"
    assert cog.DATA_FILE.stat().st_size < 1_000_000
    readme = (ROOT / "provisioning" / "data" / "README.md").read_text(encoding="utf-8")
    assert "@etalab/decoupage-administratif" in readme and "MIT License" in readme
    reference = cog.load()
    assert "etalab" in reference.source.lower()
    assert len(reference.communes) > 34_000 and len(reference.epcis) > 1_200


def test_cog_lookups():
    reference = cog.load()
    melle = reference.commune("79174")
    assert (melle.name, melle.siren, melle.departement) == ("Melle", "200081511", "79")
    assert reference.commune("2A004").name == "Ajaccio"
    assert reference.commune("2A004").siren == "212000046"
    assert reference.commune("37172").name == "Notre-Dame-d'Oé"
    assert reference.commune("94038").name == "L'Haÿ-les-Roses"
    former = reference.former_commune("79279")
    assert (former.name, former.current) == ("Saint-Martin-lès-Melle", "79174")
    assert [e.siren for e in reference.epcis_of("79174")] == [EPCI]
    assert len(reference.member_communes(EPCI)) == 58
    assert reference.commune_by_siren["217902048"].code == "79204"
    assert all(cog.luhn_valid(e) for e in reference.epcis)


def test_derived_siren():
    assert cog.derived_siren("79204") == "217902048"
    assert cog.derived_siren("2A004") == "212000046"
    assert cog.luhn_valid("217902048") and not cog.luhn_valid("217902049")


def test_build_script_round_trip(tmp_path):
    """scripts/build_cog.py on a tiny source in the Etalab format gives what cog reads."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_cog", ROOT / "scripts" / "build_cog.py")
    build_cog = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_cog)
    source = tmp_path / "cog"
    source.mkdir()
    (source / "communes.json").write_text(json.dumps([
        {"code": "79204", "nom": "Périgné", "type": "commune-actuelle", "siren": "217902048",
         "departement": "79", "population": 932},
        {"code": "79174", "nom": "Melle", "type": "commune-actuelle", "siren": "200081511",
         "departement": "79", "population": 5752},
        {"code": "79174", "nom": "Melle", "type": "commune-deleguee", "chefLieu": "79174",
         "departement": "79"},
        {"code": "79279", "nom": "Saint-Martin-lès-Melle", "type": "commune-deleguee",
         "chefLieu": "79174", "departement": "79"},
        {"code": "97502", "nom": "Saint-Pierre", "type": "commune-actuelle",
         "departement": "975", "population": 5194},
    ]), encoding="utf-8")
    (source / "epci.json").write_text(json.dumps([
        {"code": EPCI, "nom": "CC Mellois en Poitou", "type": "CC", "populationTotale": 47731,
         "populationMunicipale": 46490,
         "membres": [{"code": "79204"}, {"code": "79174"}]}]), encoding="utf-8")
    output = tmp_path / "cog.json.gz"
    assert build_cog.main([str(source), "--output", str(output)]) == 0
    first = output.read_bytes()
    assert build_cog.main([str(source), "--output", str(output)]) == 0
    assert output.read_bytes() == first  # deterministic
    data = json.loads(gzip.decompress(first))
    assert data["communes"]["code"] == ["79174", "79204", "97502"]
    assert data["communes"]["siren"] == ["200081511", "", None]  # explicit, derived, none
    reference = cog.Cog(data)
    assert reference.commune("79204").siren == "217902048"
    assert reference.commune("97502").siren == ""
    assert reference.former_commune("79279").current == "79174"
    assert reference.former_commune("79174") is None
    assert reference.epci(EPCI).members == ("79174", "79204")
    assert reference.epci(EPCI).population == 46490


def test_names_are_compared_leniently():
    text = """\
syndicate: {name: Test, siren: "200000000", domain: example.fr}
members:
  - {code: "200069755", name: Communauté de communes du Mellois en Poitou, kind: epci}
  - {code: "79295", name: St-Romans-les-Melle, kind: commune}
  - {code: "79106", name: Couture d’Argenson, kind: commune}
"""
    inventory = parse_inventory(text, "lenient.yml")
    assert [m.name for m in inventory.members] == [
        "Communauté de communes du Mellois en Poitou", "St-Romans-les-Melle",
        "Couture d’Argenson"]  # kept as written
    assert inventory.member("79295").population == cog.commune("79295").population
    assert inventory.member("79295").services == ()


def test_inventory_error_is_a_provisioning_error():
    with pytest.raises(ProvisioningError) as caught:
        parse_inventory("syndicate: {}\n", "x.yml")
    assert isinstance(caught.value, InventoryError)
    assert caught.value.errors == [(1, 'inventory: missing key "members"'),
                                   (1, 'syndicate: missing key "name"'),
                                   (1, 'syndicate: missing key "siren"'),
                                   (1, 'syndicate: missing key "domain"')]


def test_vault_value_decrypts_with_ansible(monkeypatch, tmp_path):
    """A value made by ansible-vault (ansible-core is a test requirement) decrypts."""
    from ansible.parsing import vault as vault_module

    password_file = tmp_path / "vault-password"
    password_file.write_text("s3cret-vault-pw\n")
    lib = vault_module.VaultLib([("default", vault_module.VaultSecret(b"s3cret-vault-pw"))])
    ciphertext = lib.encrypt("smtp-pass-123").decode()
    block = "".join("      " + line + "\n" for line in ciphertext.splitlines())
    text = SECRETS.replace(
        SECRETS[SECRETS.index("    password: !vault |"):SECRETS.index("members:")],
        "    password: !vault |\n" + block)
    vault = parse_inventory(text, "secrets.yml").backends["smtp"].secrets["password"]
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(password_file))
    assert vault.decrypt("backends.smtp.password") == "smtp-pass-123"
    password_file.write_text("wrong\n")
    with pytest.raises(ProvisioningError, match="cannot decrypt this Ansible Vault value"):
        vault.decrypt("backends.smtp.password")


def test_error_in_the_example_names_file_line_and_member():
    """The message of the issue: a misspelt service in Melle's block of the example."""
    lines = EXAMPLE.read_text(encoding="utf-8").split("\n")
    melle = lines.index('  - code: "79174"')
    at = next(i for i in range(melle, len(lines)) if lines[i].startswith("    services:"))
    lines[at] = lines[at].replace("convocation", "convocations")
    with pytest.raises(InventoryError) as caught:
        parse_inventory("\n".join(lines), "examples/pays-mellois.yml")
    assert str(caught.value) == (
        f"examples/pays-mellois.yml:{at + 1}: member 79174: service \"convocations\" is not in "
        'the catalogue (did you mean "convocation"?)')
    assert f"pays-mellois.yml:{at + 1}: member 79174" in "\n".join(lines[:12])  # the header
