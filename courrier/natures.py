"""The vocabulary of the register: kinds of items, natures and their processing deadlines,
channels, priorities, the steps of the history and the invoice circuit's states."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Direction of an item and the letter its chrono number carries (Maarch Courrier's habit:
# A for « arrivée », D for « départ »).
INCOMING, OUTGOING = "in", "out"
DIRECTIONS = [(INCOMING, _("Arrivée")), (OUTGOING, _("Départ"))]
CHRONO_LETTER = {INCOMING: "A", OUTGOING: "D"}

LETTER, INVOICE, EMAIL, NOTE = "letter", "invoice", "email", "note"
KINDS = [(LETTER, _("Courrier")), (INVOICE, _("Facture")), (EMAIL, _("Courriel")),
         (NOTE, _("Note"))]

# Natures, with the days the member gives itself to treat an item of that nature (None: no
# deadline). Two months is the silence rule of the CRPA (L231-1, L231-4) for an
# administré's request; thirty days the délai global de paiement of an invoice (R2192-10 of
# the Code de la commande publique).
NATURES: dict[str, tuple[str, int | None]] = {
    "courrier": (_("Courrier simple"), 30),
    "demande": (_("Demande d'un administré"), 60),
    "reclamation": (_("Réclamation"), 30),
    "recours": (_("Recours gracieux"), 60),
    "invitation": (_("Invitation, convocation"), 15),
    "facture": (_("Facture"), 30),
    "information": (_("Pour information"), None),
}
NATURE_CHOICES = [(slug, label) for slug, (label, _days) in NATURES.items()]


def deadline_days(nature: str) -> int | None:
    return NATURES.get(nature, ("", None))[1]


COUNTER, POST, MAIL, SCAN, INTERNAL = "guichet", "courrier", "courriel", "numerisation", "interne"
EINVOICE, CHORUS, FOLDER = "facture-electronique", "chorus-pro", "dossier"
CHANNELS = [(COUNTER, _("Guichet")), (POST, _("Courrier postal")), (MAIL, _("Courriel")),
            (SCAN, _("Numérisation")), (EINVOICE, _("Facture électronique")),
            (CHORUS, _("Chorus Pro")), (FOLDER, _("Dossier surveillé")),
            (INTERNAL, _("Interne"))]

NORMAL, HIGH, URGENT = "normale", "haute", "urgente"
PRIORITIES = [(NORMAL, _("Normale")), (HIGH, _("Haute")), (URGENT, _("Urgente"))]

# Where an item stands.
RECORDED, ASSIGNED, TREATED, CLOSED = "recorded", "assigned", "treated", "closed"
STATUSES = [(RECORDED, _("enregistré")), (ASSIGNED, _("attribué")), (TREATED, _("traité")),
            (CLOSED, _("clos"))]

# The steps of an item's history.
STEPS = {
    "recorded": _("Enregistré"),
    "qualified": _("Qualifié"),
    "assigned": _("Attribué"),
    "passed_on": _("Transmis à un autre service"),
    "annotated": _("Annoté"),
    "treated": _("Traité"),
    "closed": _("Clos"),
    "duplicate": _("Doublon possible signalé"),
    "ocr": _("Texte reconnu (OCR)"),
    "ocr_failed": _("Échec de la reconnaissance de texte"),
    "service_done": _("Service fait certifié"),
    "invoice_suspended": _("Facture suspendue"),
    "invoice_rejected": _("Facture rejetée"),
    "invoice_validated": _("Validation comptable"),
    "facturx": _("Facture électronique Factur-X lue"),
    "received_by_mail": _("Reçu par courriel"),
    "received_from_chorus": _("Reçu de Chorus Pro"),
    "received_from_folder": _("Déposé dans le dossier surveillé"),
    "chorus_status_sent": _("Statut transmis à Chorus Pro"),
    "chorus_status_failed": _("Échec de la transmission du statut à Chorus Pro"),
    "reminded": _("Relance envoyée au service"),
    "escalated": _("Retard signalé au responsable"),
}

# The invoice circuit (the Jura's): the department certifies « service fait » (or suspends or
# rejects, with a reason), then accounting gives the final validation. The names follow
# Chorus Pro's statuses so that the connector (a later step) pushes them back as they are.
TO_CERTIFY, SERVICE_DONE, SUSPENDED, REJECTED, VALIDATED = (
    "MISE_A_DISPOSITION", "SERVICE_FAIT", "SUSPENDUE", "REJETEE", "MANDATEE")
INVOICE_STATES = [(TO_CERTIFY, _("à certifier par le service")),
                  (SERVICE_DONE, _("service fait, à valider par la comptabilité")),
                  (SUSPENDED, _("suspendue")), (REJECTED, _("rejetée")),
                  (VALIDATED, _("validée par la comptabilité"))]
