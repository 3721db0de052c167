"""The GED's Wagtail permission policies: the staff of the host's member, when it subscribes
to the GED, act on that member's plan, documents and batches, and on nothing else."""

from __future__ import annotations

from provisioning.policies import HostMemberPermissionPolicy

from .access import host_member
from .models import Document, DocumentType, Proposal


class GedPermissionPolicy(HostMemberPermissionPolicy):
    member_field = "member"

    def members_here(self, request):
        member = host_member(request)
        return [] if member is None else [member]


document_policy = GedPermissionPolicy(Document)
type_policy = GedPermissionPolicy(DocumentType)
proposal_policy = GedPermissionPolicy(Proposal)
