"""Names derived from the inventory: slugs, uids and hostnames stay correct and stable."""

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
