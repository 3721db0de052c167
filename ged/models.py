"""The GED's records: a member's filing plan (headings and document types, each type with its
retention rule), the documents and their versions, legal holds, the batches proposed at the end
of a retention period (transfer or elimination), and the hash-chained audit trail.

A document's record is never deleted: an elimination removes its files and keeps the record.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryMember

# The event a retention period (DUA) runs from.
CREATION, CLOSING, MANDATE_END, EVENT = "creation", "closing", "mandate_end", "event"
START_EVENTS = [
    (CREATION, _("date du document")),
    (CLOSING, _("clôture du dossier")),
    (MANDATE_END, _("fin du mandat")),
    (EVENT, _("autre événement (précisé dans la règle)")),
]
# The sort final at the end of the DUA.
KEEP, DESTROY, SORT = "conserver", "detruire", "trier"
FINAL_ACTIONS = [(KEEP, _("conservation définitive")), (DESTROY, _("destruction")),
                 (SORT, _("tri"))]


class Heading(models.Model):
    """A heading of the member's plan de classement (nested)."""

    member = models.ForeignKey(RegistryMember, on_delete=models.CASCADE,
                               related_name="ged_headings")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    code = models.CharField(_("cote"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=200)

    class Meta:
        verbose_name = _("rubrique")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["member", "code"],
                                               name="ged_heading_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class DocumentType(models.Model):
    """A type of document in the plan, with its retention rule: the DUA (years and months;
    none: unlimited, the member keeps it) from a start event, then the sort final."""

    member = models.ForeignKey(RegistryMember, on_delete=models.CASCADE,
                               related_name="ged_types")
    heading = models.ForeignKey(Heading, on_delete=models.PROTECT, related_name="types")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("intitulé"), max_length=255)
    dua_years = models.PositiveSmallIntegerField(_("DUA (années)"), null=True, blank=True)
    dua_months = models.PositiveSmallIntegerField(_("DUA (mois)"), default=0)
    start_event = models.CharField(_("point de départ"), max_length=12, choices=START_EVENTS,
                                   default=CREATION)
    event_label = models.CharField(_("événement"), max_length=120, blank=True)
    final_action = models.CharField(_("sort final"), max_length=10, choices=FINAL_ACTIONS)
    source = models.CharField(_("source de la règle"), max_length=255, blank=True)
    notes = models.TextField(_("observations"), blank=True)
    edited = models.BooleanField(_("modifiée par le membre"), default=False)

    class Meta:
        verbose_name = _("type de document")
        ordering = ["heading__code", "code"]
        constraints = [models.UniqueConstraint(fields=["member", "code"],
                                               name="ged_type_unique_code")]

    def __str__(self) -> str:
        return self.title


# Who filed a document: the staff by hand, or an app when its object was done.
SOURCE_LABELS = {"staff": _("classé à la main"), "actes": _("registre des actes"),
                 "parapheur": _("parapheur"), "convocation": _("convocation des élus"),
                 "courrier": _("registre du courrier")}


class Document(models.Model):
    ACTIVE, TRANSFERRED, ELIMINATED = "active", "transferred", "eliminated"
    STATES = [(ACTIVE, _("en gestion")), (TRANSFERRED, _("versé aux archives")),
              (ELIMINATED, _("éliminé"))]

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="ged_documents")
    doc_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT,
                                 related_name="documents", verbose_name=_("type"))
    title = models.CharField(_("titre"), max_length=500)
    author = models.CharField(_("auteur"), max_length=200, blank=True)
    created_on = models.DateField(_("date du document"))
    closed_on = models.DateField(_("clôture du dossier"), null=True, blank=True)
    event_on = models.DateField(_("date de l'événement"), null=True, blank=True)
    filed_at = models.DateTimeField(_("classé le"), auto_now_add=True)
    source = models.CharField(_("origine"), max_length=40, default="staff")
    # The object it belongs to, in its app: a generic reference that never imports the app.
    object_app = models.CharField(max_length=40, blank=True)
    object_key = models.CharField(max_length=80, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The member's department (a slug of its `departments` in the registry) it belongs to,
    # for the search's filter; blank: the whole member's.
    department = models.CharField(_("service"), max_length=100, blank=True)
    # Title, metadata and the files' text, as the full-text search reads them.
    search_text = models.TextField(blank=True)
    state = models.CharField(_("état"), max_length=12, choices=STATES, default=ACTIVE)
    retention_end = models.DateField(_("fin de DUA"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        indexes = [models.Index(fields=["member", "state", "retention_end"]),
                   models.Index(fields=["member", "department"]),
                   models.Index(fields=["member", "object_app", "object_key"])]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> DocumentVersion | None:
        return self.versions.order_by("-number").first()

    @property
    def source_label(self) -> str:
        """Where the document came from, as the staff read it (the stored value is a code)."""
        return str(SOURCE_LABELS.get(self.source, self.source))


class DocumentVersion(models.Model):
    """One version of a document's file; a new version is added beside the old ones."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=TokenPath("ged"), storage=private_storage,
                            max_length=300, blank=True)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    mime_type = models.CharField(max_length=100, blank=True)
    puid = models.CharField(_("format (PRONOM)"), max_length=20, blank=True)
    filed_at = models.DateTimeField(auto_now_add=True)
    filed_by = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=255, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)  # its file eliminated
    # Its read-only copy in the member's Nextcloud GED folder (ged/mirror.py): the path
    # inside that folder; blank while not copied, and again once the copy is removed.
    mirror_path = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"],
                                               name="ged_version_unique_number")]


class LegalHold(models.Model):
    """A gel: while it is not lifted, no retention rule runs on the documents it names."""

    member = models.ForeignKey(RegistryMember, on_delete=models.CASCADE,
                               related_name="ged_holds")
    reference = models.CharField(_("référence"), max_length=120)
    reason = models.TextField(_("motif"))
    documents = models.ManyToManyField(Document, related_name="holds")
    started_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("gel")


class Proposal(models.Model):
    """A batch proposed at the end of the DUA: a transfer (SEDA SIP to the archive system) or
    an elimination (a bordereau that waits for the departmental archives' visa)."""

    TRANSFER, ELIMINATION = "transfer", "elimination"
    KINDS = [(TRANSFER, _("versement")), (ELIMINATION, _("élimination"))]
    PROPOSED, SENT, ACKNOWLEDGED, ACCEPTED, REJECTED, APPROVED, DONE, REFUSED = (
        "proposed", "sent", "acknowledged", "accepted", "rejected", "approved", "done",
        "refused")
    STATES = [(PROPOSED, _("proposé")), (SENT, _("envoyé")),
              (ACKNOWLEDGED, _("accusé de réception reçu")), (ACCEPTED, _("accepté")),
              (REJECTED, _("rejeté")), (APPROVED, _("visé")), (DONE, _("éliminé")),
              (REFUSED, _("visa refusé"))]

    member = models.ForeignKey(RegistryMember, on_delete=models.CASCADE,
                               related_name="ged_proposals")
    kind = models.CharField(max_length=12, choices=KINDS)
    state = models.CharField(max_length=12, choices=STATES, default=PROPOSED)
    documents = models.ManyToManyField(Document, related_name="proposals")
    created_at = models.DateTimeField(auto_now_add=True)
    identifier = models.CharField(max_length=80, unique=True)
    # Transfer: the SIP and the archive's replies.
    sip = models.FileField(upload_to=TokenPath("ged-sip"), storage=private_storage,
                           max_length=300, blank=True)
    sip_sha256 = models.CharField(max_length=64, blank=True)
    remote_id = models.CharField(max_length=120, blank=True)
    acknowledgement = models.TextField(blank=True)
    reply = models.TextField(blank=True)
    # Elimination: the visa and the certificate of destruction.
    visa_by = models.CharField(_("visa de"), max_length=200, blank=True)
    visa_reference = models.CharField(_("référence du visa"), max_length=120, blank=True)
    visa_at = models.DateTimeField(null=True, blank=True)
    certificate = models.TextField(blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proposition")
        ordering = ["-created_at"]


class AuditEntry(models.Model):
    """One filing, version, hold, transfer or elimination; hash-chained per member."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="ged_audit")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor = models.CharField(max_length=100)
    action = models.CharField(max_length=40)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="audit")
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["member", "seq"],
                                               name="ged_audit_unique_seq")]
