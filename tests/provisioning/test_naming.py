"""Names derived from the inventory: slugs, uids, hostnames, group ids and Nextcloud mount
points stay correct and stable, and read back to what they were made from."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning import naming

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UID = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")


@pytest.mark.parametrize("name, slug", [
    ("Notre-Dame-d'Oé", "notre-dame-d-oe"),
    ("L'Haÿ-les-Roses", "l-hay-les-roses"),
    ("Saint-Martin-lès-Melle", "saint-martin-les-melle"),
    ("Fontenille-Saint-Martin-d'Entraigues", "fontenille-saint-martin-d-entraigues"),
    ("Prailles-La Couarde", "prailles-la-couarde"),
    ("Œuilly", "oeuilly"),
    ("  Commission  des finances ", "commission-des-finances"),
    pytest.param("Commission d’appel d’offres", "commission-d-appel-d-offres",
                 id="typographic-apostrophe"),
    ("Saint-Jean – le «Bourg»", "saint-jean-le-bourg"),
])
def test_slugify(name, slug):
    assert naming.slugify(name) == slug
    assert naming.slugify(slug) == slug


@pytest.mark.parametrize("name, hostname", [
    ("Notre-Dame-d'Oé", "notre-dame-d-oe.localhost"),
    ("L'Haÿ-les-Roses", "l-hay-les-roses.localhost"),
    ("Saint-Martin-lès-Melle", "saint-martin-les-melle.localhost"),
])
def test_default_hostname_is_the_slug(name, hostname):
    assert naming.default_hostname(naming.slugify(name), "localhost") == hostname


@pytest.mark.parametrize("written", [
    "notre-dame-d-oé.fr", "l-haÿ-les-roses.fr", "saint-martin-lès-melle.fr", "Périgné.FR",
])
def test_hostname_keeping_accents_is_idna(written):
    ascii_name = naming.hostname(written)
    assert ascii_name.isascii() and ascii_name == ascii_name.lower()
    # Python's own IDNA codec (IDNA 2003) agrees for these names.
    assert ascii_name == written.lower().encode("idna").decode("ascii")
    assert "xn--" in ascii_name
    assert naming.hostname(ascii_name) == ascii_name  # stable once encoded


def test_hostname_values():
    assert naming.hostname("saint-martin-lès-melle.fr") == "xn--saint-martin-ls-melle-14b.fr"
    assert naming.hostname("périgné.localhost.") == "xn--prign-bsae.localhost"


@pytest.mark.parametrize("given_name, surname, uid", [
    ("Jean", "Dupont", "jdupont"),
    ("Jean-Pierre", "Le Goff", "jplegoff"),
    ("Éloïse", "N'Diaye", "endiaye"),
    ("Thomas", "L'Huillier", "tlhuillier"),
    ("Marie-Thérèse", "Guérin-Bodin", "mtguerinbodin"),
    ("Zoé", "Haÿ", "zhay"),
    ("Anne", "D'Ornano-de-Saint-Martin-lès-Melle-et-Autres-Lieux",
     "adornanodesaintmartinlesmelleeta"),  # 32 characters at most
])
def test_base_uid(given_name, surname, uid):
    assert naming.base_uid(given_name, surname) == uid
    assert UID.match(uid)


def test_colliding_uids_are_distinct_and_deterministic():
    people = [("julie.moreau@perigne.fr", "Julie", "Moreau", None),
              ("jean.moreau@melle.fr", "Jean", "Moreau", None),
              ("jerome.moreau@melle.fr", "Jérôme", "Moreau", None)]
    uids = naming.assign_uids(people)
    # Served in email order: jean, jerome, julie.
    assert uids == {"jean.moreau@melle.fr": "jmoreau", "jerome.moreau@melle.fr": "jmoreau2",
                    "julie.moreau@perigne.fr": "jmoreau3"}
    assert naming.assign_uids(list(reversed(people))) == uids


def test_known_uids_are_kept_and_reserved():
    people = [("jean.moreau@melle.fr", "Jean", "Moreau", None),
              ("julie.moreau@perigne.fr", "Julie", "Moreau", None)]
    # Julie came first in an earlier apply; someone who left kept "jmoreau3" reserved.
    known = {"julie.moreau@perigne.fr": "jmoreau", "jacques.moreau@melle.fr": "jmoreau2"}
    assert naming.assign_uids(people, known) == {
        "julie.moreau@perigne.fr": "jmoreau", "jean.moreau@melle.fr": "jmoreau3"}


def test_explicit_uid_wins():
    people = [("jean.moreau@melle.fr", "Jean", "Moreau", None),
              ("julie.moreau@perigne.fr", "Julie", "Moreau", "jmoreau")]
    assert naming.assign_uids(people) == {
        "julie.moreau@perigne.fr": "jmoreau", "jean.moreau@melle.fr": "jmoreau2"}


NAMES = st.text(alphabet=st.sampled_from("aeiouyéèêëàâäîïôöùûüÿçœæ'’- ABCDÉÈÎLMNOP"),
                min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_slugify_is_a_stable_ascii_slug(name):
    slug = naming.slugify(name)
    assert slug == "" or SLUG.match(slug)
    assert naming.slugify(slug) == slug


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=12), st.randoms())
def test_assign_uids_unique_valid_and_order_independent(names, rnd):
    people = [(f"p{i}@example.fr", given, surname, None)
              for i, (given, surname) in enumerate(names)]
    uids = naming.assign_uids(people)
    assert len(set(uids.values())) == len(people)
    assert all(UID.match(uid) for uid in uids.values())
    shuffled = list(people)
    rnd.shuffle(shuffled)
    assert naming.assign_uids(shuffled) == uids


# Nextcloud names, pinned: the strings people see in their files app and the group ids
# observe uses to tell Mutualis' accounts and folders from the others must never drift.
def test_technical_group_names():
    assert naming.MANAGED_GROUP == "mutualis"
    assert naming.SERVICE_GROUP == "mutualis-service"


@pytest.mark.parametrize("code, member, label, slug, mount", [
    ("79174", "Melle", "Conseil municipal", "conseil-municipal",
     "Conseil municipal — Melle (79174)"),
    ("79174", "Melle", naming.EXTRANET_FOLDER_LABEL, naming.EXTRANET_FOLDER,
     "Extranet — Melle (79174)"),
    ("2a004", "Ajaccio", "Bureau", "bureau", "Bureau — Ajaccio (2A004)"),
    ("200041762", "CC Mellois en Poitou", "Commission des finances", "finances",
     "Commission des finances [finances] — CC Mellois en Poitou (200041762)"),
    ("79174", "Saint-Martin—lès/Melle", "Finances/Budget", "finances-budget",
     "Finances-Budget — Saint-Martin-lès-Melle (79174)"),
    ("79174", "Melle", "Bureau [b]", "bureau-b", "Bureau [b] [bureau-b] — Melle (79174)"),
    ("2B033", "Bastia — Haute-Corse", "Conseil communautaire", "conseil-communautaire",
     "Conseil communautaire — Bastia - Haute-Corse (2B033)"),
])
def test_mount_points(code, member, label, slug, mount):
    assert naming.mount_point(code, member, label, slug) == mount
    assert naming.parse_mount_point(mount) == (code.upper(), slug, False)
    assert naming.parse_mount_point(naming.archived(mount)) == (code.upper(), slug, True)


def test_other_folders_are_not_ours():
    assert naming.parse_mount_point("Photos") is None
    assert naming.parse_mount_point("Réunion — Melle (7917)") is None


def test_names_never_make_a_path():
    odd = naming.mount_point("2A004", "Ajaccio", "../../etc/passwd", "../../etc")
    assert "/" not in odd and odd.startswith("..-..-etc-passwd [..%2F..%2Fetc]")
    assert naming.parse_mount_point(odd) == ("2A004", "../../etc", False)
    assert naming.parse_mount_point(
        naming.mount_point("79174", "Melle", "A %2F B", "x%2Fy"))[1] == "x%2Fy"


CODES = st.one_of(st.from_regex(r"\A[0-9]{5}\Z"), st.from_regex(r"\A2[AB][0-9]{3}\Z"),
                  st.from_regex(r"\A[0-9]{9}\Z"))
LABELS = st.one_of(st.text(min_size=1, max_size=40),
                   st.sampled_from(["A [b]", "Bureau [bureau]", "X — Y", "]", "[x] — (12345)"]),
                   ).filter(lambda s: s.strip())


@given(CODES, LABELS, LABELS, st.from_regex(r"\A[a-z0-9./%-]{1,20}\Z"), st.booleans())
def test_any_mount_point_reads_back(code, member, label, slug, is_archived):
    name = naming.mount_point(code, member, label, slug)
    assert "/" not in name and "\\" not in name
    assert naming.parse_mount_point(naming.archived(name) if is_archived else name) == (
        code, slug, is_archived)


def test_archived_names():
    assert naming.archived("Extranet — Melle (79174)") == "[Archivé] Extranet — Melle (79174)"
    assert naming.unarchived("[Archivé] Extranet — Melle (79174)") == (
        "Extranet — Melle (79174)", True)
    assert naming.unarchived("Photos") == ("Photos", False)


def test_group_codes():
    assert naming.group_code("79174-staff") == "79174"
    assert naming.group_code("2a004-conseil-municipal") == "2A004"
    assert naming.group_code("200041762-bureau") == "200041762"
    for gid in ("admin", naming.MANAGED_GROUP, naming.SERVICE_GROUP, "7917-x", "79174-",
                "abcde-staff"):
        assert naming.group_code(gid) is None


def test_group_labels_are_the_same_in_every_backend():
    from provisioning.naming import member_group_labels

    assert member_group_labels("79174", "Melle", [("conseil-municipal", "Conseil municipal")],
                               ["website"]) == {
        "79174-staff": "Personnel — Melle", "79174-elus": "Élus — Melle",
        "79174-conseil-municipal": "Conseil municipal — Melle",
        "79174-svc-website": "Site internet — Melle"}
