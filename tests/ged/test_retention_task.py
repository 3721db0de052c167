"""The nightly retention task: documents at the end of their DUA go into batches awaiting the
visa, the member's DGS or secrétaire hear of it, a second night proposes nothing new, and a
member without the GED is left alone."""

from __future__ import annotations

from datetime import date

from django.core import mail

from ged.models import Proposal
from ged.tasks import retention_proposals
from tests.factories import add_person
from tests.ged.members import make_member
from tests.ged.test_archives import file

TODAY = date(2026, 12, 1)


def test_the_night_proposes_each_due_document_once_and_tells_the_secretaire(commune):
    add_person(commune, "zsecretaire", roles=("secretaire-de-mairie",))
    add_person(commune, "zmaire", roles=("maire",))
    kept = file(commune, "OUVRAGE-EXECUTE", "DOE école", date(2010, 1, 1),
                closed_on=date(2015, 5, 1))
    file(commune, "OUVRAGE-EXECUTE", "DOE salle des fêtes", date(2020, 1, 1),
         closed_on=date(2020, 5, 1))  # its DUA runs until 2030
    other = make_member("79002", "Adilly", services=("website",))  # no GED
    file(other, "OUVRAGE-EXECUTE", "DOE d'Adilly", date(2010, 1, 1), closed_on=date(2015, 5, 1))

    assert retention_proposals(TODAY.isoformat()) == {"members": 1, "proposals": 1,
                                                      "documents": 1}
    [proposal] = Proposal.objects.all()
    assert proposal.member == commune and list(proposal.documents.all()) == [kept]
    assert proposal.kind == Proposal.TRANSFER and proposal.state == Proposal.PROPOSED
    [message] = mail.outbox
    assert message.to == ["zsecretaire@example.fr"]  # staff, not the maire
    assert message.subject == ("GED : 1 document au terme de sa durée d'utilité "
                               "administrative")
    assert "1 document de Aigonnay a atteint" in message.body
    assert f"https://{commune.hostname}/admin/ged/propositions/" in message.body

    assert retention_proposals(TODAY.isoformat()) == {"members": 1, "proposals": 0,
                                                      "documents": 0}
    assert Proposal.objects.count() == 1 and len(mail.outbox) == 1
