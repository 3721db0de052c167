"""The parapheur's data: circuits, folders and their documents, decisions, delegations, signing
keys, and the hash-chained audit trail.

People and members come from the registry (`provisioning.models`): a folder belongs to a
RegistryMember, actors are RegistryPersons or naming groups (`<code>-elus`) resolved through
the registry's seats.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryMember, RegistryPerson

VISA, SIGNATURE, SEAL = "visa", "signature", "seal"
STEP_KINDS = [(VISA, _("Visa")), (SIGNATURE, _("Signature")), (SEAL, _("Cachet serveur"))]
ALL, ANY = "all", "any"
MODES = [(ALL, _("tous doivent agir (ET)")), (ANY, _("un seul suffit (OU)"))]


class Circuit(models.Model):
    """The ordered steps a member's folders of one type (and subtype) go through.

    A folder reads its circuit's steps as it goes, so a circuit that folders took is never
    changed: a change makes a new version (`workflow.change_circuit`) and the old one is
    deactivated and kept, `replaced_by` the new one; its folders follow it to the end. One
    active circuit per (member, type, subtype); any number of inactive ones.
    """

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="circuits")
    name = models.CharField(_("nom"), max_length=200)
    folder_type = models.CharField(_("type"), max_length=100)
    # Empty: any subtype of the type that no more specific circuit takes.
    folder_subtype = models.CharField(_("sous-type"), max_length=100, blank=True)
    active = models.BooleanField(default=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    replaced_at = models.DateTimeField(_("remplacé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("circuit")
        constraints = [models.UniqueConstraint(
            fields=["member", "folder_type", "folder_subtype"],
            condition=models.Q(active=True), name="signature_one_active_circuit")]
        ordering = ["member", "folder_type", "folder_subtype"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    circuit = models.ForeignKey(Circuit, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("nature"), max_length=10, choices=STEP_KINDS)
    mode = models.CharField(_("parallélisme"), max_length=3, choices=MODES, default=ANY)
    label = models.CharField(_("libellé"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("étape")
        unique_together = [("circuit", "position")]
        ordering = ["circuit", "position"]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()


class StepActor(models.Model):
    """A person, or a naming group of the circuit's member (`79174-elus`)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="actors")
    person = models.ForeignKey(RegistryPerson, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    group = models.CharField(_("groupe"), max_length=120, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=(models.Q(person__isnull=False, group="")
                       | models.Q(person__isnull=True) & ~models.Q(group="")),
            name="signature_actor_person_xor_group")]


class Folder(models.Model):
    IN_PROGRESS, REJECTED, DONE = "in_progress", "rejected", "done"
    STATUSES = [(IN_PROGRESS, _("en cours")), (REJECTED, _("rejeté")), (DONE, _("terminé"))]

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("objet"), max_length=300)
    folder_type = models.CharField(_("type"), max_length=100)
    folder_subtype = models.CharField(_("sous-type"), max_length=100, blank=True)
    circuit = models.ForeignKey(Circuit, on_delete=models.PROTECT, related_name="folders")
    submitter = models.ForeignKey(RegistryPerson, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=STATUSES, default=IN_PROGRESS)
    position = models.PositiveSmallIntegerField(default=0)  # the current step's position
    round = models.PositiveSmallIntegerField(default=1)  # 1, then +1 at each resubmission
    rejection_reason = models.TextField(blank=True)
    rejected_by = models.ForeignKey(RegistryPerson, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    blocked_reason = models.TextField(blank=True)  # e.g. a seal step without a seal key
    published = models.JSONField(default=list)  # paths in the member's Nextcloud folder
    # Why the finished folder is not in the member's Nextcloud folder (one French sentence);
    # empty once published, or when it is not to be published.
    publication_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dossier")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"{self.member.code}-{self.id:06d}"

    @property
    def unpublished(self) -> bool:
        """Finished, but its publication to Nextcloud failed."""
        return self.status == self.DONE and bool(self.publication_error)

    def status_label(self) -> str:
        if self.unpublished:
            return _("terminé, non déposé dans Nextcloud")
        return self.get_status_display()


UPLOAD_TO = TokenPath("parapheur")  # private, unguessable; _upload_to: old migrations


def _upload_to(document: Document, filename: str) -> str:
    return f"parapheur/{document.folder.member.code}/{document.folder_id}/{filename}"


class Document(models.Model):
    MAIN, ANNEX = "main", "annex"
    KINDS = [(MAIN, _("document principal")), (ANNEX, _("annexe"))]

    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=5, choices=KINDS, default=MAIN)
    name = models.CharField(_("nom"), max_length=255)
    original = models.FileField(storage=private_storage, upload_to=UPLOAD_TO, max_length=400)
    # The current (signed) version.
    file = models.FileField(storage=private_storage, upload_to=UPLOAD_TO, max_length=400)
    original_sha256 = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["folder", "kind", "position", "id"]


class Decision(models.Model):
    """An actor's act on a step of a folder. `principal` is the actor the act counts for: the
    person acting, or the absent person a delegate acts for (`on_behalf`)."""

    APPROVED, SIGNED, SEALED, REJECTED = "approved", "signed", "sealed", "rejected"
    OUTCOMES = [(APPROVED, _("visé")), (SIGNED, _("signé")), (SEALED, _("cacheté")),
                (REJECTED, _("rejeté"))]

    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="decisions")
    round = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField()
    actor = models.ForeignKey(RegistryPerson, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")  # null: the server (seal)
    principal = models.ForeignKey(RegistryPerson, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    on_behalf = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=OUTCOMES)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["folder", "round", "position", "id"]


class Delegation(models.Model):
    """`delegate` may act for `delegator` in `member`'s circuits from `start` to `end`
    (inclusive), while the delegator is absent."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    delegator = models.ForeignKey(RegistryPerson, on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey(RegistryPerson, on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("du"))
    end = models.DateField(_("au"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("délégation")
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                              name="signature_delegation_dates")]


class SigningKey(models.Model):
    """A person's signing key, or a member's seal (its server certificate).

    `pkcs12` is Fernet-encrypted (see `signature.pki.keys`). A person's PKCS#12 password is
    typed when signing and never stored; a seal's is stored encrypted in `passphrase`. A key
    on a PKCS#11 token is named by its token and labels; its PIN comes from the environment
    variable `pkcs11_pin_env`.
    """

    PERSONAL, SEAL = "personal", "seal"
    PKCS12, PKCS11 = "pkcs12", "pkcs11"

    kind = models.CharField(max_length=8, choices=[(PERSONAL, _("personnelle")),
                                                   (SEAL, _("cachet"))])
    person = models.ForeignKey(RegistryPerson, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    member = models.ForeignKey(RegistryMember, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    storage = models.CharField(max_length=6, default=PKCS12)
    pkcs12 = models.BinaryField(blank=True, editable=False)
    passphrase = models.BinaryField(blank=True, editable=False)
    pkcs11_token = models.CharField(max_length=100, blank=True)
    pkcs11_key_label = models.CharField(max_length=100, blank=True)
    pkcs11_pin_env = models.CharField(max_length=100, blank=True)
    subject = models.CharField(max_length=500)
    issuer = models.CharField(max_length=500)
    serial = models.CharField(max_length=80)
    not_after = models.DateTimeField()
    certificate = models.TextField()  # PEM, public
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("clé de signature")
        ordering = ["-created_at"]


class AuditEntry(models.Model):
    """One action, chained per member: `hash` covers the entry and the previous entry's hash.
    Append-only: `save` refuses to change a stored entry; `audit.verify_chain` finds edits
    made behind the model's back."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    folder = models.ForeignKey(Folder, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="audit")
    at = models.DateTimeField()
    actor = models.CharField(max_length=64)  # a uid, or "system"
    action = models.CharField(max_length=40)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        unique_together = [("member", "seq")]
        ordering = ["member", "seq"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries are append-only")


# The members' certificates (signature/certificates/) are models of this app too.
from .certificates.models import (  # noqa: E402, F401
    CertificateCheck,
    ExpiryReminder,
    IdentityCheck,
    MemberCertificate,
)
