"""The panels of a member's dashboard: Wagtail components the admin's home renders among its
own (`construct_homepage_panels`), in Wagtail's dashboard panels' look.

Which ones appear: the member is the one whose host the request came on; the user must be
its staff (the registry's access layer); the sittings panel needs the convocation service,
the folders panel the parapheur service (and a person of the registry: a syndicate
superuser is nobody's step actor), the mail panel the messagerie service; acts and the
prefecture's messages are kept by every member (the acts app's rule: no subscribed service).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from wagtail.admin.ui.components import Component

from portal.hosts import member_of_request
from provisioning import access, people
from provisioning.models import RegistryMember, RegistryPerson

from . import queries
from .folders import waiting_folders

CONVOCATION, PARAPHEUR, MESSAGERIE = "convocation", "parapheur", "messagerie"


class MemberPanel(Component):
    """One panel about one member, for one person; its queries run when it renders."""

    order = 100

    def __init__(self, member: RegistryMember, person: RegistryPerson | None):
        self.member, self.person = member, person

    def rows(self) -> Mapping[str, Any]:
        raise NotImplementedError

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None
                         ) -> Mapping[str, Any]:
        return {"member": self.member, "today": timezone.localdate(), **self.rows()}


class SittingsPanel(MemberPanel):
    name = "workspace_sittings"
    template_name = "workspace/sittings_panel.html"
    order = 100

    def rows(self):
        return queries.sittings(self.member)


class FoldersPanel(MemberPanel):
    name = "workspace_folders"
    template_name = "workspace/folders_panel.html"
    order = 110

    def rows(self):
        folders = waiting_folders(self.person, [self.member])
        return {"count": folders.count(), "rows": list(folders[:queries.ROWS])}


class ActsPanel(MemberPanel):
    name = "workspace_acts"
    template_name = "workspace/acts_panel.html"
    order = 120

    def rows(self):
        return queries.acts(self.member)


class PrefecturePanel(MemberPanel):
    name = "workspace_prefecture"
    template_name = "workspace/prefecture_panel.html"
    order = 130

    def rows(self):
        return {"rows": queries.prefecture(self.member)}


class MailPanel(MemberPanel):
    """The person's mail settings and the shared mailboxes they read (mairie@...)."""

    name = "workspace_mail"
    template_name = "workspace/mail_panel.html"
    order = 140

    def rows(self):
        from mail_service.services import person_mail
        from provisioning.drivers import ProvisioningError

        try:
            return {"mail": person_mail(self.person.uid), "unavailable": False}
        except ProvisioningError:
            return {"mail": None, "unavailable": True}


def panels_for(request: HttpRequest) -> list[MemberPanel]:
    """The panels of the request's member that its user may see."""
    member = member_of_request(request)
    if member is None or not access.standing(request.user).is_staff_of(member):
        return []
    person = people.person_for(request.user)
    found: list[MemberPanel] = []
    if access.subscribes(member, CONVOCATION):
        found.append(SittingsPanel(member, person))
    if access.subscribes(member, PARAPHEUR) and person is not None:
        found.append(FoldersPanel(member, person))
    found += [ActsPanel(member, person), PrefecturePanel(member, person)]
    if access.subscribes(member, MESSAGERIE) and person is not None:
        found.append(MailPanel(member, person))
    return found
