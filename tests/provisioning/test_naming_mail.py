"""Mail addresses derived from the inventory (issue 16): prenom.nom in ASCII, IDNA domains,
collisions resolved once and kept."""

from __future__ import annotations

from provisioning.naming import (
    assign_mail_addresses,
    default_mail_domain,
    mail_domain,
    mail_local_part,
)


def test_a_local_part_is_prenom_nom_in_ascii():
    assert mail_local_part("Jean-Pierre", "Le Goff") == "jean-pierre.le-goff"
    assert mail_local_part("Hélène", "Lœuvre d'Oé") == "helene.loeuvre-d-oe"
    assert mail_local_part("", "Martin") == "martin"
    assert mail_local_part("’", "«»") == "personne"
    assert len(mail_local_part("A" * 50, "B" * 50)) == 64


def test_domains_are_idna_and_default_to_the_syndicate_s():
    assert mail_domain("Mairie-Oé.fr") == "xn--mairie-o-i1a.fr"
    assert default_mail_domain("melle", "pays-mellois.fr") == "melle.pays-mellois.fr"


def test_collisions_get_the_smallest_free_suffix_in_uid_order():
    people = [("jdupont2", "Jean", "Dupont"), ("jdupont", "Jean", "Dupont"),
              ("mairie1", "", "Mairie")]
    assert assign_mail_addresses(people, "melle.fr") == {
        "jdupont": "jean.dupont@melle.fr", "jdupont2": "jean.dupont2@melle.fr",
        "mairie1": "mairie2@melle.fr"}  # "mairie" is the member's shared mailbox


def test_an_address_given_once_is_kept_and_never_given_again():
    known = {"jdupont2": "jean.dupont@melle.fr", "old": "paul.durand@melle.fr",
             "elsewhere": "jean.dupont@celles.fr"}
    people = [("jdupont", "Jean", "Dupont"), ("jdupont2", "Jeanne", "Dupont-Martin"),
              ("pdurand", "Paul", "Durand")]
    assert assign_mail_addresses(people, "melle.fr", known, reserved=["conseil"]) == {
        "jdupont2": "jean.dupont@melle.fr",  # renamed since: the address stays
        "jdupont": "jean.dupont2@melle.fr",
        "pdurand": "paul.durand2@melle.fr"}  # the one who left keeps theirs reserved


def test_reserved_local_parts_are_not_given_to_people():
    assert assign_mail_addresses([("c", "", "Conseil")], "melle.fr",
                                 reserved=["Conseil"]) == {"c": "conseil2@melle.fr"}
