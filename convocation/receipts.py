"""Personal links, receipts and answers.

A link carries a random token of 256 bits; only its SHA-256 is stored. It works until the end
of the day after the sitting (Paris time). Opening it records the receipt (the first opening,
timestamped) before anything is shown. Answers are append-only; the latest one counts, and
may change until the sitting starts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis.links import member_url
from nextcloud_bridge.agendas.ics import PARIS
from provisioning import people
from provisioning.models import RegistryPerson

from . import proxies
from .models import AccessToken, Answer, Convocation, Receipt, Sitting, audit

TOKEN_BYTES = 32  # 256 bits


class LinkInvalid(Exception):
    """An unknown, expired or withdrawn link."""


class AnswerRefused(Exception):
    """An answer that cannot be recorded; the sentence says why."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_expiry(sitting: Sitting) -> datetime:
    """Midnight (Paris) at the end of the day after the sitting."""
    day = sitting.local_start.date() + timedelta(days=2)
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)


def issue_token(convocation: Convocation) -> str:
    """A new personal link token for a convocation; returns the token (stored hashed)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    AccessToken.objects.create(convocation=convocation, digest=digest(token),
                               expires_at=link_expiry(convocation.sitting))
    return token


def link_url(member, token: str) -> str:
    """The personal link, on the member's own host: officials work on their commune's."""
    return member_url(member, reverse("convocation_link:link", args=[token]))


def still_seated(convocation: Convocation) -> bool:
    """The person is active and still sits in the assembly."""
    return people.sits_in(convocation.person_id, convocation.sitting.assembly)


def resolve(token: str) -> Convocation:
    """The convocation of a link; LinkInvalid when unknown, expired or withdrawn."""
    found = (AccessToken.objects.filter(digest=digest(token))
             .select_related("convocation__sitting__assembly__member",
                             "convocation__person").first())
    if found is None:
        raise LinkInvalid(_("Ce lien n'est pas valable : vérifiez qu'il est complet (copiez-le "
                            "en entier depuis le courriel de convocation)."))
    if found.expires_at <= timezone.now():
        raise LinkInvalid(_("Ce lien a expiré : il n'était valable que jusqu'au lendemain de "
                            "la séance."))
    if not still_seated(found.convocation):
        raise LinkInvalid(_("Ce lien n'est plus valable : vous ne siégez plus dans cette "
                            "assemblée."))
    return found.convocation


def acknowledge(convocation: Convocation, user_agent: str = "") -> Receipt:
    """Record the receipt at the first opening; later openings return the same receipt."""
    existing = Receipt.objects.filter(convocation=convocation).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(convocation=convocation, at=timezone.now(),
                                             user_agent=user_agent[:300])
    except IntegrityError:  # opened twice at once
        return Receipt.objects.get(convocation=convocation)
    audit(convocation.sitting, "receipt", person=convocation.person.uid,
          at=receipt.at.isoformat())
    return receipt


@dataclass(frozen=True)
class Current:
    choice: str  # "" when no answer yet
    holder: RegistryPerson | None
    at: datetime | None


def current_answer(convocation: Convocation) -> Current:
    """The answer that counts: the latest one, or a proxy given at an earlier sitting that
    still covers this one."""
    latest = convocation.answers.select_related("proxy__holder").order_by("-at", "-pk").first()
    if latest is not None:
        if latest.choice == Answer.PROXY and latest.proxy and latest.proxy.covers(
                convocation.sitting):
            return Current(Answer.PROXY, latest.proxy.holder, latest.at)
        if latest.choice != Answer.PROXY:
            return Current(latest.choice, None, latest.at)
    proxy = proxies.proxy_given_by(convocation.sitting, convocation.person)
    if proxy is not None:
        return Current(Answer.PROXY, proxy.holder, proxy.created_at)
    return Current("", None, None)


def answer(convocation: Convocation, choice: str, holder: RegistryPerson | None = None,
           sittings: int = 1, by_user=None) -> Answer:
    """Record an answer: present, absent, or proxy to a named member of the assembly."""
    sitting = convocation.sitting
    if timezone.now() >= sitting.starts_at:
        raise AnswerRefused(_("La séance a commencé : les réponses sont closes."))
    if choice not in dict(Answer.CHOICES):
        raise AnswerRefused(_("Cette réponse n'est pas proposée : choisissez présent, absent, "
                              "ou absent en donnant pouvoir."))
    proxy = None
    if choice == Answer.PROXY:
        if holder is None:
            raise AnswerRefused(_("Choisissez le membre à qui vous donnez pouvoir."))
        try:
            proxy = proxies.give(sitting, convocation.person, holder, sittings)
        except proxies.ProxyRefused as exc:
            raise AnswerRefused(str(exc)) from exc
    else:
        given = proxies.proxy_given_by(sitting, convocation.person)
        if given is not None:
            proxies.revoke(given)
    recorded = Answer.objects.create(convocation=convocation, choice=choice, proxy=proxy,
                                     by_user=by_user)
    audit(sitting, "answer", person=convocation.person.uid, choice=choice,
          holder=holder.uid if proxy else "", sittings=sittings if proxy else 0,
          by=getattr(by_user, "username", ""))
    return recorded
