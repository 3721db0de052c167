"""The welcome mail of a new directory account: its identifier and its activation link, sent
to the person's address as soon as the account exists (the directory driver hands the links
over in memory, once per batch of accounts it created).

A mail that cannot leave does not undo the account: the warning says how to give the person
a link another way (`mutualis passwd-link UID --mail`, or printed).
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage, get_connection
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from ldap_sync.services import validity
from mutualis.links import member_url
from provisioning import people
from provisioning.models import RegistryPerson

log = logging.getLogger(__name__)


def welcome_message(person: RegistryPerson, link: str, days: int) -> EmailMessage:
    """The mail of one person; their active seats prefetched as `person.places`."""
    where = "\n".join(f"  {s.member.name} : {member_url(s.member, '/connexion/')}"
                      for s in person.places)
    body = "\n\n".join(part for part in [
        _("Bonjour %(name)s,") % {"name": f"{person.given_name} {person.surname}"},
        _("Un compte a été ouvert pour vous. Votre identifiant est : %(uid)s") % {
            "uid": person.uid},
        _("Choisissez votre mot de passe en ouvrant ce lien personnel (il ne sert qu'une "
          "fois et reste valable %(days)d jours) :\n%(link)s") % {"link": link, "days": days},
        (_("Vous vous connecterez ensuite sur le site de votre collectivité :\n%(where)s")
         % {"where": where}) if where else "",
        _("Si vous n'attendiez pas ce message, ignorez-le : sans mot de passe choisi, le "
          "compte reste inutilisable."),
    ] if part)
    return EmailMessage(_("Votre compte : choisissez votre mot de passe"), body,
                        to=[person.email])


def send_welcome_mails(links: dict[str, str]) -> int:
    """Mail each new account's link to its person over one connection; returns how many
    left."""
    try:
        found = (people.people_with_uids(links).exclude(email="")
                 .prefetch_related(Prefetch("seats", people.places(), to_attr="places")))
        days = validity().days
        messages = [welcome_message(p, links[p.uid], days) for p in found]
        if not messages:
            return 0
        with get_connection() as connection:
            return connection.send_messages(messages) or 0
    except Exception as exc:  # the accounts and their links exist whatever the mail does
        log.warning("the welcome mails of %d new accounts were not sent (%s): give each "
                    "person a link with `mutualis passwd-link UID --mail`", len(links), exc)
        return 0


def on_activation_issued(sender, links: dict[str, str], **kwargs) -> None:
    send_welcome_mails(links)
