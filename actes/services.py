"""What staff and the other apps do with acts: import the classification, record an act (from
a file, from a signed parapheur document, from a voted agenda item), publish it.

Every refusal is an `ActRefused` whose sentences name the field and what is wrong; nothing is
stored when an act is refused.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import uploads
from provisioning.access import subscribes
from provisioning.drivers import ProvisioningError
from provisioning.models import RegistryMember

from .models import (
    Act,
    ActAnnex,
    Classification,
    Matter,
    MemberSettings,
    RegisterEntry,
)
from .natures import (
    BUDGETAIRE,
    CONTRAT,
    DELIBERATION,
    ELECTRONIC,
    INDIVIDUEL,
    NATURES,
    REGLEMENTAIRE,
)

FIELD_LABELS = {"number": _("numéro"), "nature": _("nature"), "subject": _("objet"),
                "matter": _("classification"), "document": _("acte signé"),
                "decision_date": _("date de décision"), "__all__": _("acte")}


class ActRefused(Exception):
    """The act, file or request is refused; `messages` lists what is wrong, field by field."""

    def __init__(self, messages: list[str]):
        super().__init__(" ; ".join(messages))
        self.messages = messages


def _refusal(error: ValidationError) -> ActRefused:
    if hasattr(error, "message_dict"):
        return ActRefused([f"{FIELD_LABELS.get(field, field)} : {message}"
                           for field, messages in error.message_dict.items()
                           for message in messages])
    return ActRefused(list(error.messages))


def settings_of(member: RegistryMember) -> MemberSettings:
    found, _created = MemberSettings.objects.get_or_create(member=member)
    return found


def locked_settings(member: RegistryMember) -> MemberSettings:
    """The member's settings, its row locked until the end of the transaction: what appends
    to the member's register or numbers its envelopes holds it."""
    return MemberSettings.objects.select_for_update().get(pk=settings_of(member).pk)


# ------------------------------------------------------------------ classification


def current_classification(member: RegistryMember) -> Classification | None:
    """The latest version imported; a prefecture's file always wins over the demo's example,
    whatever their dates."""
    versions = Classification.objects.filter(member=member).order_by("-version_date")
    return versions.exclude(source_sha256=example_sha256()).first() or versions.first()


@transaction.atomic
def import_classification(member: RegistryMember, content: bytes) -> Classification:
    """Import the prefecture's classification file (RetourClassification). Importing the same
    version again changes nothing; a new version becomes the current one, the older ones stay
    for the acts filed under them."""
    from .teletransmission import ClassificationUpToDate, ReturnUnreadable, parse_classification

    try:
        parsed = parse_classification(content)
    except ReturnUnreadable as exc:
        raise ActRefused([_("fichier de classification : %(why)s") % {"why": exc}]) from exc
    if isinstance(parsed, ClassificationUpToDate):  # "no change since your version"
        current = current_classification(member)
        if current is None:
            raise ActRefused([_("fichier de classification : la préfecture répond que la "
                                "classification n'a pas changé, mais aucune n'est importée.")])
        return current
    if not parsed.matters:
        raise ActRefused([_("fichier de classification : il ne contient aucune matière.")])
    classification, created = Classification.objects.get_or_create(
        member=member, version_date=parsed.version_date,
        defaults={"source_sha256": hashlib.sha256(content).hexdigest()})
    if created:
        Matter.objects.bulk_create(Matter(classification=classification, code=m.code,
                                          label=m.label[:300]) for m in parsed.matters)
    return classification


# An example classification for the demo (the @ctes nomenclature's matters), never a
# prefecture's file: a member transmitting to its prefecture imports the prefecture's own.
EXAMPLE_CLASSIFICATION = (Path(__file__).resolve().parent / "data"
                          / "classification-exemple-demo.xml")


@cache
def example_classification() -> bytes:
    return EXAMPLE_CLASSIFICATION.read_bytes()


@cache
def example_sha256() -> str:
    return hashlib.sha256(example_classification()).hexdigest()


def is_example(classification: Classification | None) -> bool:
    """Whether `classification` was imported from the demo's example file."""
    return classification is not None and classification.source_sha256 == example_sha256()


def import_example_classification(member: RegistryMember) -> bool:
    """Give `member` the demo's example classification if it has none yet; True when it was
    imported, False when the member already had one (its own is never replaced)."""
    if current_classification(member) is not None:
        return False
    import_classification(member, example_classification())
    return True


def find_matter(member: RegistryMember, code: str) -> Matter:
    classification = current_classification(member)
    if classification is None:
        raise ActRefused([_("classification : aucune classification n'est importée pour "
                            "%(name)s ; importez le fichier de la préfecture d'abord.") % {
                            "name": member.name}])
    matter = classification.matters.filter(code=(code or "").strip()).first()
    if matter is None:
        raise ActRefused([_("classification : la matière « %(code)s » n'existe pas dans la "
                            "classification du %(version)s.") % {
                            "code": code, "version": classification.version_date}])
    return matter


# ------------------------------------------------------------------ recording acts


def read_file(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def _pdf(name: str, content: bytes, what: str) -> None:
    """The upload policy (type by content, size, parse, no active content), also for callers
    outside the form."""
    problem = uploads.problem_of(name, content)
    if problem:
        raise ActRefused([_("%(what)s : %(problem)s") % {"what": what, "problem": problem}])


@transaction.atomic
def record_act(member: RegistryMember, *, number: str, nature: int, decision_date: date,
               subject: str, matter_code: str, filename: str, pdf: bytes,
               annexes: list[tuple[str, str, bytes]] = (), minutes: bool = False,
               by=None, **links) -> Act:
    """Record an act with its signed text and annexes ((title, filename, content) each).
    `links` may carry sitting, agenda_item, signed_document, the vote counts and the budget
    fields. Refused, with every reason at once, when anything is wrong."""
    problems = []
    matter = None
    if not (matter_code or "").strip():
        problems.append(_("classification : choisissez la matière @ctes de l'acte ; la "
                          "préfecture refuse un acte qui n'en a pas."))
    else:
        try:
            matter = find_matter(member, matter_code)
        except ActRefused as exc:
            problems += exc.messages
    if nature not in dict(NATURES):
        problems.append(_("nature : %(n)r n'est pas une des six natures @ctes (1 à 6).") % {
            "n": nature})
    act = Act(member=member, number=number, nature=nature, decision_date=decision_date,
              subject=subject, matter=matter, minutes=minutes, created_by=by, **links)
    act.document.name = filename
    # clean() words the number, subject and classification refusals for @ctes; the model's
    # own checks cover the rest (the date, the lengths of the other fields).
    for check in (act.clean, lambda: act.clean_fields(
            exclude=["number", "subject", "matter", "document", "sha256", "nature"])):
        try:
            check()
        except ValidationError as exc:
            problems += [m for m in _refusal(exc).messages
                         if not m.startswith(FIELD_LABELS["matter"]) or matter is not None]
    for name, content, what in [(filename, pdf, _("acte signé"))] + [
            (a[1], a[2], _("annexe « %(t)s »") % {"t": a[0]}) for a in annexes]:
        try:
            _pdf(name, content, what)
        except ActRefused as exc:
            problems += exc.messages
    if not problems and Act.objects.filter(member=member, number=number).exists():
        problems.append(_("numéro : l'acte n° %(number)s existe déjà pour %(name)s.") % {
            "number": number, "name": member.name})
    if problems:
        raise ActRefused(problems)
    act.sha256 = hashlib.sha256(pdf).hexdigest()
    act.document.save(filename, ContentFile(pdf), save=False)
    act.save()
    for position, (title, name, content) in enumerate(annexes, start=1):
        annex = ActAnnex(act=act, position=position, title=title,
                         sha256=hashlib.sha256(content).hexdigest())
        annex.file.save(name, ContentFile(content), save=False)
        annex.save()
    return act


def record_signed(document, *, number: str, nature: int, subject: str, matter_code: str,
                  decision_date: date | None = None, by=None, **links) -> Act:
    """Record the act a parapheur folder signed: its main document, as signed, is the act's
    text; the folder's annexes become the act's annexes."""
    from signature.models import Document, Folder

    folder = document.folder
    if folder.status != Folder.DONE:
        raise ActRefused([_("acte signé : le dossier « %(title)s » n'a pas fini son circuit de "
                            "signature.") % {"title": folder.title}])
    annexes = [(d.name, d.file.name.rsplit("/", 1)[-1], read_file(d.file))
               for d in folder.documents.exclude(pk=document.pk).filter(kind=Document.ANNEX)
               .order_by("position")]
    return record_act(folder.member, number=number, nature=nature, subject=subject,
                      matter_code=matter_code, pdf=read_file(document.file),
                      decision_date=decision_date or timezone.localdate(folder.completed_at),
                      filename=document.file.name.rsplit("/", 1)[-1], annexes=annexes,
                      signed_document=document, by=by, **links)


def record_deliberation(item, *, matter_code: str, filename: str, pdf: bytes,
                        annexes: list[tuple[str, str, bytes]] = (), by=None,
                        signed_document=None) -> Act:
    """The délibération of a voted agenda item: its number, subject and vote come from the
    sitting; the signed text is given."""
    from convocation.quorum import quorum

    vote = getattr(item, "vote", None)
    if vote is None:
        raise ActRefused([_("délibération : le point « %(title)s » n'a pas été voté.") % {
            "title": item.title}])
    if not vote.number:
        raise ActRefused([_("numéro : donnez un numéro à la délibération du point « %(title)s » "
                            "(saisie des votes).") % {"title": item.title}])
    sitting = item.sitting
    state = next((q for q in quorum(sitting) if q.item.pk == item.pk), None)
    return record_act(
        sitting.assembly.member, number=vote.number, nature=DELIBERATION,
        decision_date=sitting.local_start.date(), subject=item.title,
        matter_code=matter_code, filename=filename, pdf=pdf, annexes=annexes, by=by,
        sitting=sitting, agenda_item=item, signed_document=signed_document,
        seats=sitting.convocations.count(),
        voters=(len(state.present) + state.proxies) if state else None,
        votes_for=vote.votes_for, votes_against=vote.votes_against,
        abstentions=vote.abstentions)


# ------------------------------------------------------------------ publication


def _title(act: Act) -> str:
    """The page's title: the subject (the site shows the nature and number beside it)."""
    return act.subject[:255]


@transaction.atomic
def publish(act: Act, *, posted_at: datetime | None = None) -> RegisterEntry:
    """Publish the act in the member's mode and write it in the publication register.

    Online (the rule): the full text goes on the member's website, non-editable, with its
    SHA-256 and the date it went online. By posting or on paper (communes under 3,500 that
    chose it): the register records the date given. Publishing twice records nothing new."""
    settings = locked_settings(act.member)
    existing = act.register.order_by("pk").first()
    if existing is not None:
        return existing
    url = ""
    if settings.publication_mode == ELECTRONIC:
        from wagtail_site_factory.services import publish_act

        pdf = read_file(act.document)
        if hashlib.sha256(pdf).hexdigest() != act.sha256:
            raise ActRefused([_("acte signé : le fichier enregistré ne correspond plus à son "
                                "empreinte ; publication refusée.")])
        try:
            url = publish_act(act.member.code, act.site_kind, _title(act), act.decision_date,
                              act.document.name.rsplit("/", 1)[-1], pdf, number=act.number,
                              summary=act.subject)
        except ProvisioningError as exc:
            raise ActRefused([_("publication : %(why)s") % {"why": exc}]) from exc
        at = timezone.now()
    else:
        if posted_at is None:
            raise ActRefused([_("publication : indiquez la date d'affichage ou de mise à "
                                "disposition sur papier.")])
        at = posted_at
    entry = _append(act.member, act=act, kind=str(dict(NATURES)[act.nature]),
                    number=act.number, title=act.subject, at=at,
                    mode=settings.publication_mode, url=url, sha256=act.sha256)
    Act.objects.filter(pk=act.pk).update(published_at=at, publication_url=url)
    act.published_at, act.publication_url = at, url
    _file_in_ged(act)
    return entry


# The GED's document type of each nature (ged/data/retention.yml).
GED_TYPES = {DELIBERATION: "DELIB", REGLEMENTAIRE: "ARRETE", INDIVIDUEL: "ARRETE",
             CONTRAT: "CONTRAT", BUDGETAIRE: "BUDGET"}


def _file_in_ged(act: Act) -> None:
    """A published act is filed in the member's GED, where it subscribes to it."""
    if not subscribes(act.member, "ged"):
        return
    from ged.services import file_from_app

    file_from_app(act.member, GED_TYPES.get(act.nature, "ACTE-AUTRE"), act.subject,
                  read_file(act.document), filename=act.document.name, source="actes",
                  created_on=act.decision_date, object_app="actes", object_key=act.pk,
                  metadata={"numéro": act.number, "nature": str(dict(NATURES)[act.nature])})


def _append(member: RegistryMember, **fields) -> RegisterEntry:
    """Append an entry to the member's register (the caller holds the member's lock)."""
    last = RegisterEntry.objects.filter(member=member).order_by("-pk").first()
    entry = RegisterEntry(member=member, previous=last.digest if last else "", **fields)
    entry.digest = entry.compute()
    entry.save()
    return entry


@transaction.atomic
def register_document(member: RegistryMember, *, kind: str, title: str, url: str,
                      sha256: str, at: datetime | None = None) -> RegisterEntry:
    """Write in the register a document another app put online on the member's website
    (the list of délibérations, the procès-verbal). The same URL twice is one entry."""
    locked_settings(member)  # the register's chain: one append at a time
    existing = RegisterEntry.objects.filter(member=member, act=None, url=url).first()
    if existing is not None:
        return existing
    return _append(member, kind=kind, title=title[:500], at=at or timezone.now(),
                   mode=ELECTRONIC, url=url, sha256=sha256)


def on_document_published(sender, *, member: RegistryMember, kind: str, title: str, url: str,
                          sha256: str, **kwargs) -> None:
    """convocation's `document_published`: the document goes into the register."""
    register_document(member, kind=kind, title=title, url=url, sha256=sha256)


def verify_register(member: RegistryMember) -> list[str]:
    """What is wrong with the member's register: a broken chain, or a text that no longer
    matches the hash it was published with. Empty when everything holds."""
    problems, previous = [], ""
    for entry in RegisterEntry.objects.filter(member=member).select_related("act").order_by(
            "pk"):
        if entry.previous != previous or entry.compute() != entry.digest:
            problems.append(_("registre : l'entrée %(pk)s a été modifiée ou une entrée "
                              "précédente supprimée.") % {"pk": entry.pk})
        previous = entry.digest
        if entry.act is None:  # a document of another app: its own module keeps the file
            continue
        if hashlib.sha256(read_file(entry.act.document)).hexdigest() != entry.sha256:
                problems.append(_("acte n° %(n)s : le texte ne correspond plus à l'empreinte "
                                  "publiée.") % {"n": entry.act.number})
    return problems
