"""What `mutualis demo` adds once the example inventory is applied, so that every journey can
be walked in a browser: the officials' demo signing credentials, the syndicate admin's first
access and where to read the demo's mail.
Each step is idempotent: the demo may be started again on the same var/."""

from __future__ import annotations

from collections.abc import Iterator

from provisioning import people
from provisioning.backends import embedded_services

from .links import app_url, member_url


def prepare() -> Iterator[str]:
    """Run the demo's steps; yield the lines the demo prints."""
    from actes.services import import_example_classification
    from portal.admin_account import issue_admin_link
    from signature.demo_pki import issue_demo_credentials

    members = list(people.members().order_by("name"))
    imported = sum(import_example_classification(m) for m in members)
    if imported:
        yield (f"Example @ctes classification given to {imported} members (replaced by the "
               "prefecture's file once imported).")
    issued = issue_demo_credentials()
    if issued:
        yield (f"Demo signing credentials issued to {issued} officials (by the demo "
               "certification authority, never valid outside the demo).")
    yield "Sites of the members (staff and officials log in at /connexion/ on their site):"
    for m in members:
        if "website" in (m.services or []):
            yield f"  {m.name}: {member_url(m)}"
    mail = embedded_services().get("mail", {})
    if mail.get("web_url"):
        yield (f"Every mail the demo sends (activation links, convocations) arrives in the demo "
               f"mailbox: {mail['web_url']}")
    link, _created = issue_admin_link("admin")
    yield f"Syndicate admin: {app_url('/admin/')} — user admin; choose its password at {link}"
