"""The démarches shipped as data, their instantiation per member, and requests' codes."""

from __future__ import annotations

import math

from grc import services, templates_data
from grc.models import CODE_ALPHABET, CODE_LENGTH, CitizenRequest, normalise_code


def test_every_shipped_template_is_instantiated_and_adjustable(commune, other):
    made = templates_data.ensure_demarches(commune)
    assert {d.template for d in made} == {
        "signalement", "reservation-salle", "inscription-scolaire", "rendez-vous",
        "contact-service"}
    signalement = next(d for d in made if d.slug == "signalement")
    assert any(f["type"] == "location" for f in signalement.fields)
    assert signalement.attachments[0]["kind"] == "image"
    assert signalement.retention_days > 0 and signalement.department
    signalement.deadline_days = 3
    signalement.save()
    # Made again: the member's adjustment stays, the other member's copy is its own.
    again = templates_data.ensure_demarches(commune)
    assert next(d for d in again if d.slug == "signalement").deadline_days == 3
    theirs = templates_data.instantiate(other, "signalement")
    assert theirs.pk != signalement.pk and theirs.deadline_days == 10


def test_codes_are_long_unambiguous_and_unique(commune):
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert CODE_LENGTH * math.log2(len(CODE_ALPHABET)) > 45  # bits of entropy
    demarche = templates_data.instantiate(commune, "contact-service")
    codes = {services.file_request(demarche, name="Jean Test", email="j@example.fr",
                                   answers={"objet": str(i)})[0].code for i in range(50)}
    assert len(codes) == 50
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    code = next(iter(codes))
    assert normalise_code(f" {code[:5].lower()}-{code[5:]} ") == code


def test_a_form_token_makes_one_request(commune):
    demarche = templates_data.instantiate(commune, "rendez-vous")
    first, new = services.file_request(demarche, name="A B", answers={}, form_token="t" * 32)
    second, again = services.file_request(demarche, name="A B", answers={}, form_token="t" * 32)
    assert new and not again and first.pk == second.pk
    assert CitizenRequest.objects.filter(member=commune).count() == 1
    assert [e.kind for e in first.events.all()] == ["created"]
    assert first.due_at > first.created_at and first.status == "recue"
