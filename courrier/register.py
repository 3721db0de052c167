"""Recording items in the register: the chrono number, the contacts book, attachments,
duplicates and the history. Every refusal is a `Refused` whose sentences say what is wrong;
nothing is stored when an item is refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import uploads
from mutualis.chain import GENESIS
from provisioning.models import RegistryMember

from . import natures as n
from . import siret as sirets
from .models import Attachment, Contact, Counter, Event, Item

# The kinds of file an item may carry: a scan or a PDF invoice, images, office documents.
ATTACHMENT_KINDS = frozenset(uploads.ANNEX_TYPES)


class Refused(Exception):
    """The item or the step is refused; `messages` lists what is wrong."""

    def __init__(self, messages: list[str]):
        super().__init__(" ; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Actor:
    """Who does a step: a username (the directory uid) and the name the history shows."""

    username: str = ""
    name: str = ""

    @classmethod
    def of(cls, user) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls()
        from provisioning import people

        person = people.person_for(user)
        name = str(person) if person else (user.get_full_name() or user.get_username())
        return cls(user.get_username(), name)


SYSTEM = Actor("", "Mutualis")


# ------------------------------------------------------------------ chrono numbers

def chrono_of(year: int, direction: str, sequence: int) -> str:
    """'2026-A-000123': the year, A (incoming) or D (outgoing), six digits."""
    return f"{year}-{n.CHRONO_LETTER[direction]}-{sequence:06d}"


def next_sequence(member: RegistryMember, year: int, direction: str) -> int:
    """The next number of the member's counter for that year and direction. Must run inside
    the transaction that saves the item: the counter's row stays locked until it commits, so
    that two intakes at once never get the same number, and a rolled-back intake gives its
    number back (no gap)."""
    try:
        with transaction.atomic():  # the first item of the year creates the row
            Counter.objects.get_or_create(member=member, year=year, direction=direction)
    except IntegrityError:  # created meanwhile by another intake: it is there now
        pass
    counter = Counter.objects.select_for_update().get(member=member, year=year,
                                                      direction=direction)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


# ------------------------------------------------------------------ history

def log_step(item: Item, step: str, actor: Actor = SYSTEM, note: str = "",
             **data) -> Event:
    """Append a step to the item's history, chained to the one before."""
    last = item.events.order_by("-pk").values_list("digest", flat=True).first() or GENESIS
    event = Event(item=item, actor=actor.username, actor_name=actor.name, step=step,
                  note=note, data=data, previous=last)
    event.digest = event.compute_digest()
    event.save()
    return event


def history_intact(item: Item) -> bool:
    """Every step's digest is right and follows the one before."""
    previous = GENESIS
    for event in item.events.order_by("pk"):
        if event.previous != previous or event.compute_digest() != event.digest:
            return False
        previous = event.digest
    return True


# ------------------------------------------------------------------ contacts

def add_contact(member: RegistryMember, name: str, siret: str = "", **fields) -> Contact:
    """A new correspondent of the member, or the one it already has with that SIRET (without
    a SIRET: with that name)."""
    name = (name or "").strip()
    problems = [] if name else [_("le nom du correspondant est obligatoire.")]
    siret = sirets.clean(siret or "")
    if siret and (problem := sirets.siret_problem(siret)):
        problems.append(problem)
    if problems:
        raise Refused(problems)
    known = Contact.objects.filter(member=member, active=True)
    found = (known.filter(siret=siret) if siret
             else known.filter(siret="", name__iexact=name)).first()
    if found is not None:
        return found
    return Contact.objects.create(member=member, name=name[:200], siret=siret, **fields)


# ------------------------------------------------------------------ recording

def due_date(nature: str, received_on: date) -> date | None:
    days = n.deadline_days(nature)
    return received_on + timedelta(days=days) if days is not None else None


def record(member: RegistryMember, *, subject: str, direction: str = n.INCOMING,
           kind: str = n.LETTER, nature: str = "courrier", received_on: date | None = None,
           channel: str = n.POST, priority: str = n.NORMAL, confidential: bool = False,
           correspondent: Contact | None = None, reference: str = "",
           amount: Decimal | None = None, files: list[tuple[str, bytes]] = (),
           actor: Actor = SYSTEM, source: str = "", text: str = "") -> Item:
    """Record an item: its chrono number, its attachments (checked by the upload policy),
    its due date from its nature, a flag if it looks like one already recorded, and the
    first step of its history. `source`: where an item that came by itself came from (one
    item per source: a second one raises IntegrityError); `text`: its readable text."""
    problems = []
    subject = (subject or "").strip()
    if not subject:
        problems.append(_("l'objet est obligatoire."))
    if direction not in n.CHRONO_LETTER:
        problems.append(_("le sens « %(d)s » est inconnu.") % {"d": direction})
    if nature not in n.NATURES:
        problems.append(_("la nature « %(n)s » est inconnue.") % {"n": nature})
    if correspondent is not None and correspondent.member_id != member.pk:
        problems.append(_("ce correspondant n'est pas dans le carnet de ce membre."))
    for name, content in files:
        problem = uploads.problem_of(name, content, ATTACHMENT_KINDS)
        if problem:
            problems.append(problem)
    if problems:
        raise Refused(problems)
    received_on = received_on or timezone.localdate()
    if kind == n.INVOICE:
        nature = "facture"
    with transaction.atomic():
        year = received_on.year
        sequence = next_sequence(member, year, direction)
        item = Item.objects.create(
            member=member, chrono=chrono_of(year, direction, sequence), year=year,
            direction=direction, sequence=sequence, kind=kind, nature=nature,
            subject=subject[:500], correspondent=correspondent, reference=reference.strip(),
            amount=amount, channel=channel, priority=priority, confidential=confidential,
            received_on=received_on, due_on=due_date(nature, received_on),
            invoice_state=n.TO_CERTIFY if kind == n.INVOICE else "",
            payment_start=received_on if kind == n.INVOICE else None,
            created_by=actor.username, source=source[:255], text=text)
        log_step(item, "recorded", actor, chrono=item.chrono)
        hashes = [attach(item, name, content) for name, content in files]
        flag_duplicate(item, hashes)
    return item


def recorded_from(member: RegistryMember, source: str) -> Item | None:
    """The item already recorded from that source, if any."""
    return Item.objects.filter(member=member, source=source[:255]).first()


def attach(item: Item, name: str, content: bytes) -> str:
    """Store a file of the item (through Django's storage API); its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    attachment = Attachment(item=item, name=name[:255], sha256=digest, size=len(content))
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return digest


def duplicate_of(item: Item, hashes: list[str]) -> Item | None:
    """An earlier item of the member it looks like: the same correspondent, reference and
    amount, or an attachment with the same content."""
    earlier = Item.objects.filter(member_id=item.member_id).exclude(pk=item.pk)
    same = Q(pk__in=[])
    if item.correspondent_id and item.reference:
        same |= Q(correspondent_id=item.correspondent_id, reference=item.reference,
                  amount=item.amount)
    if hashes:
        same |= Q(attachments__sha256__in=hashes)
    return earlier.filter(same).order_by("pk").first()


def flag_duplicate(item: Item, hashes: list[str]) -> None:
    found = duplicate_of(item, hashes)
    if found is not None:
        item.duplicate_of = found
        item.save(update_fields=["duplicate_of"])
        log_step(item, "duplicate", SYSTEM, of=found.chrono)
