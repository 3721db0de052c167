"""The register of a member's mail and invoices: contacts, items with their chrono numbers,
attachments and history. Nothing here is ever deleted: an item is closed, a contact disabled."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis.chain import link
from mutualis.private_files import TokenPath, private_storage
from provisioning.models import RegistryMember

from . import natures as n


class Contact(models.Model):
    """A correspondent in the member's contacts book (a company, an administration, a
    person); a SIRET where one exists, checked with the Luhn key (courrier/siret.py)."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="courrier_contacts")
    name = models.CharField(_("nom"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    address = models.TextField(_("adresse"), blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("correspondant")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(
            fields=["member", "siret"], condition=~models.Q(siret=""),
            name="courrier_one_contact_per_siret")]
        indexes = [models.Index(fields=["member", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})" if self.siret else self.name


class Counter(models.Model):
    """The last chrono number given, per member, year and direction; its row is locked
    (select_for_update) while the next number is taken."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    direction = models.CharField(max_length=3, choices=n.DIRECTIONS)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "year", "direction"],
                                               name="courrier_one_counter")]


class Item(models.Model):
    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT,
                               related_name="courrier_items")
    chrono = models.CharField(_("numéro chrono"), max_length=20)
    year = models.PositiveSmallIntegerField()
    direction = models.CharField(_("sens"), max_length=3, choices=n.DIRECTIONS)
    sequence = models.PositiveIntegerField()
    kind = models.CharField(_("type"), max_length=10, choices=n.KINDS, default=n.LETTER)
    nature = models.CharField(_("nature"), max_length=20, choices=n.NATURE_CHOICES,
                              default="courrier")
    subject = models.CharField(_("objet"), max_length=500)
    correspondent = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="items", verbose_name=_("correspondant"))
    reference = models.CharField(_("référence du correspondant"), max_length=100, blank=True,
                                 help_text=_("Son numéro de facture ou sa référence."))
    amount = models.DecimalField(_("montant TTC (€)"), max_digits=14, decimal_places=2,
                                 null=True, blank=True)
    channel = models.CharField(_("canal"), max_length=20, choices=n.CHANNELS, default=n.POST)
    priority = models.CharField(_("priorité"), max_length=10, choices=n.PRIORITIES,
                                default=n.NORMAL)
    confidential = models.BooleanField(_("confidentiel"), default=False)
    received_on = models.DateField(_("reçu le"))
    due_on = models.DateField(_("à traiter avant le"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=n.STATUSES,
                              default=n.RECORDED)
    # The department (a slug of the member's departments in the registry) that treats it;
    # those that get it in copy are its `copies`.
    department = models.CharField(_("service"), max_length=100, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("doublon possible de"))
    text = models.TextField(_("texte reconnu"), blank=True)
    # The invoice circuit (kind == invoice): its state and when the payment delay started.
    invoice_state = models.CharField(_("circuit de la facture"), max_length=20, blank=True,
                                     choices=n.INVOICE_STATES)
    payment_start = models.DateField(_("début du délai de paiement"), null=True, blank=True)
    mandate_number = models.CharField(_("numéro de mandat"), max_length=40, blank=True)
    # The XML of an electronic invoice (Factur-X's embedded CII, or the UBL/CII file), as
    # received: the PDF attachment is its readable copy.
    einvoice_xml = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    # Where an item that came by itself came from ("imap:<Message-ID>", "chorus:<idFacture>"):
    # one item per source, so that a message or an invoice fetched twice is recorded once.
    source = models.CharField(max_length=255, blank=True)
    # Chorus Pro's own number of an invoice received through it (its idFacture).
    chorus_id = models.CharField(_("identifiant Chorus Pro"), max_length=20, blank=True)
    # The deadline's reminder to the department, then its escalation (sent once each).
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pli")
        constraints = [models.UniqueConstraint(fields=["member", "chrono"],
                                               name="courrier_one_chrono"),
                       models.UniqueConstraint(fields=["member", "source"],
                                               condition=~models.Q(source=""),
                                               name="courrier_one_item_per_source")]
        indexes = [models.Index(fields=["member", "-received_on", "-id"]),
                   models.Index(fields=["member", "status", "due_on"]),
                   models.Index(fields=["member", "department"]),
                   models.Index(fields=["member", "reference"])]

    def __str__(self) -> str:
        return f"{self.chrono} — {self.subject}"

    @property
    def overdue(self) -> bool:
        return (self.status not in (n.TREATED, n.CLOSED) and self.due_on is not None
                and self.due_on < timezone.localdate())


class Copy(models.Model):
    """A department that gets the item in copy (it reads it, does not treat it)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="copies")
    department = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "department"],
                                               name="courrier_one_copy")]
        indexes = [models.Index(fields=["department", "item"])]


class Attachment(models.Model):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=TokenPath("courrier"),
                            max_length=400)
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(default=0)
    # The searchable copy ocrmypdf made of a scan (the original is kept as it came).
    searchable = models.FileField(storage=private_storage, upload_to=TokenPath("courrier"),
                                  max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


class Event(models.Model):
    """One step of an item's history: who, when, what. Append-only and hash-chained per item
    (each digest covers the previous one), so that a rewritten step shows."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=150, blank=True)  # the user's username (a uid)
    actor_name = models.CharField(max_length=200, blank=True)
    step = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def label(self) -> str:
        return str(n.STEPS.get(self.step, self.step))

    def compute_digest(self) -> str:
        return link(self.previous, [self.item_id, self.at.isoformat(), self.actor, self.step,
                                    self.note, self.data])


class Refusal(models.Model):
    """Something that came by itself (a message, a file, an invoice) and could not be
    recorded: what it was, where it was left, and why. Kept, never deleted."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(_("canal"), max_length=20, choices=n.CHANNELS)
    what = models.CharField(_("quoi"), max_length=500)
    where = models.CharField(_("laissé dans"), max_length=500)
    reason = models.TextField(_("motif"))

    class Meta:
        verbose_name = _("arrivée refusée")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["member", "-at"])]


class StatusPush(models.Model):
    """A status of an invoice received through Chorus Pro, to be sent back to it (traiter
    facture reçue): queued in the transaction of the step, sent after it, retried until
    Chorus Pro takes it."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="status_pushes")
    status = models.CharField(max_length=30)
    reason = models.TextField(blank=True)
    mandate_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "item"])]
