"""The site driver: for each member subscribing to `website`, a Wagtail site.

Resources, per member code:
- `wagtail.site:<code>`: the Site (hostname, name) and its page tree, seeded once from the
  commune template (the template and seed texts are create-only: editors own the pages);
- `wagtail.collection:<code>`: the member's collection of images and documents;
- `wagtail.settings:<code>`: the per-site settings the inventory declares (name, code, SIREN,
  contact data); colours, logo, hours and social links are the editors';
- `wagtail.editors:<code>`: the editors' group (`naming.staff_group(code)`, the name the LDAP
  group has too) with its permissions on the member's pages, collection and site only;
- `wagtail.syndicate:<siren>`: the syndicate's page, the root of Wagtail's default site (the
  host that is no member's, e.g. 127.0.0.1 in the demo), listing the members' sites. Wagtail's
  own welcome page is kept: the default site only stops pointing at it.

Retiring archives: the site's pages are unpublished (the Site, pages and files are kept), the
editors' group loses its permissions; subscribing again republishes exactly the pages that
were online and restores the permissions. Observed in bulk: one query per model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.contrib.auth.models import Group
from django.db import OperationalError, transaction
from django.db.models import Exists, OuterRef
from wagtail.models import Collection, Page, Site

from provisioning import keys
from provisioning.drivers import BackendError, BaseDriver, Context, Outcome, Scope
from provisioning.inventory import Inventory, Member
from provisioning.naming import staff_group
from provisioning.resources import ARCHIVE, Change, Observed, Resource, observed_state

from . import pagecache, permissions, seed
from .models import CommuneSettings, MemberSite, SyndicatePage

SITE, COLLECTION, SETTINGS, EDITORS, SYNDICATE = (
    keys.WAGTAIL_SITE, keys.WAGTAIL_COLLECTION, keys.WAGTAIL_SETTINGS, keys.WAGTAIL_EDITORS,
    keys.WAGTAIL_SYNDICATE)
SERVICE = "website"
PORT = 80
MANAGED_CONTACT = ("address", "email", "phone")
DEFAULT_HOURS = "Du lundi au vendredi, de 9 h à 12 h."


def collection_name(member: Member) -> str:
    return f"{member.name} ({member.code})"


def settings_attrs(member: Member) -> dict:
    """Identity always; contact data only where the inventory declares it (else the editors')."""
    attrs = {"name": member.name, "code": member.code, "siren": member.siren}
    attrs.update({k: getattr(member, k) for k in MANAGED_CONTACT if getattr(member, k)})
    return attrs


# ---------------------------------------------------------------------------- per kind

def _ensure_site(member: MemberSite, c: Change) -> None:
    attrs = c.desired.attrs
    taken = Site.objects.filter(hostname=attrs["hostname"], port=PORT)
    if member.site_id:
        taken = taken.exclude(pk=member.site_id)
    if taken.exists():
        raise BackendError(f"the hostname {attrs['hostname']} is already another site's")
    if member.site is None:
        home = seed.build(seed.Seed(c.ident, attrs["site_name"], attrs.get("publisher", "")))
        member.site = Site.objects.create(hostname=attrs["hostname"], port=PORT,
                                          site_name=attrs["site_name"], root_page=home)
    elif (member.site.hostname, member.site.site_name) != (attrs["hostname"],
                                                           attrs["site_name"]):
        member.site.hostname, member.site.site_name = attrs["hostname"], attrs["site_name"]
        member.site.save()
    if SITE in member.archived:
        _republish(member)


def _archive_site(member: MemberSite, c: Change) -> None:
    """Unpublish every live page of the site, remembering which, to put back exactly those."""
    if member.site is None:
        return
    live = Page.objects.descendant_of(member.site.root_page, inclusive=True).filter(live=True)
    member.unpublished = member.unpublished + [
        [pk, changes] for pk, changes in live.values_list("pk", "has_unpublished_changes")]
    live.update(live=False, has_unpublished_changes=True)
    _mark_archived(member, c)


def _republish(member: MemberSite) -> None:
    for had_changes in (False, True):
        ids = [pk for pk, changes in member.unpublished if changes == had_changes]
        Page.objects.filter(pk__in=ids, live=False).update(
            live=True, has_unpublished_changes=had_changes)
    member.unpublished = []


def _mark_archived(member: MemberSite, c: Change) -> None:
    if c.kind not in member.archived:
        member.archived = member.archived + [c.kind]


def _ensure_collection(member: MemberSite, c: Change) -> None:
    attrs = c.desired.attrs
    if member.collection is None:
        root = Collection.get_first_root_node() or Collection.add_root(name="Root")
        member.collection = root.add_child(name=attrs["name"])
    elif member.collection.name != attrs["name"]:
        member.collection.name = attrs["name"]
        member.collection.save()


def _ensure_settings(member: MemberSite, c: Change) -> None:
    attrs = c.desired.attrs
    if member.site is None:
        raise BackendError("the site does not exist yet")
    obj = CommuneSettings.objects.filter(site=member.site).first()
    if obj is None:
        obj = CommuneSettings(site=member.site, opening_hours=DEFAULT_HOURS)
    for name, value in attrs.items():
        setattr(obj, name, value)
    obj.save()


def _ensure_editors(member: MemberSite, c: Change) -> None:
    attrs = c.desired.attrs
    if member.site is None or member.collection is None:
        raise BackendError("the site and its collection must exist before its editors")
    group = member.group or Group.objects.filter(name=attrs["name"]).first()
    if group is None:
        group = Group.objects.create(name=attrs["name"])
    elif group.name != attrs["name"]:
        group.name = attrs["name"]
        group.save()
    member.group = group
    permissions.grant(group, member.site.root_page, member.collection, member.site)


def _archive_editors(member: MemberSite, c: Change) -> None:
    if member.group is not None:
        permissions.revoke(member.group)
    _mark_archived(member, c)


# ---------------------------------------------------------------------------- the syndicate

def _default_site() -> Site | None:
    return Site.objects.filter(is_default_site=True).select_related("root_page").first()


def _observe_syndicate() -> Iterable[Observed]:
    """One query: the syndicate's pages, each with whether the default site shows it."""
    home = Site.objects.filter(is_default_site=True, root_page=OuterRef("pk"))
    pages = SyndicatePage.objects.annotate(home=Exists(home)).values_list(
        "siren", "title", "live", "home")
    for siren, title, live, is_home in pages:
        yield Observed(SYNDICATE(siren), {"name": title, "home": is_home},
                       observed_state(live, ARCHIVE), frozenset())


def _apply_syndicate(c: Change, siren: str) -> int | None:
    """Make the syndicate's page and point the default site at it (a new default site if the
    database has none); archiving unpublishes the page."""
    page = SyndicatePage.objects.filter(siren=siren).first()
    if c.action == ARCHIVE:
        if page is not None and page.live:
            page.live = False
            page.save(update_fields=["live"])
        return None
    name = c.desired.attrs["name"]
    if page is None:
        page = seed.build_syndicate(name, siren)
    elif (page.title, page.live) != (name, True):
        page.title, page.draft_title, page.live = name, name, True
        page.save()
    site = _default_site()
    if site is None:
        site = Site.objects.create(hostname="localhost", port=PORT, is_default_site=True,
                                   root_page=page, site_name=name)
    elif (site.root_page_id, site.site_name) != (page.pk, name):
        site.root_page, site.site_name = page, name
        site.save()
    return site.pk


def _bump_default_site() -> None:
    site_id = Site.objects.filter(is_default_site=True).values_list("pk", flat=True).first()
    if site_id:
        pagecache.bump(site_id)


# ---------------------------------------------------------------------------- the driver

def _member_step(step: Callable[[MemberSite, Change], None]):
    """A handler of one of a member's kinds: `step(member, change)` on the member's row
    (locked, made if missing); a kind made active again is no longer marked archived."""

    def handler(driver: SiteDriver, c: Change) -> int | None:
        code = c.ident
        member = MemberSite.objects.select_for_update().filter(code=code).first()
        if member is None:
            member = MemberSite.objects.create(code=code)
        step(member, c)
        if c.action != ARCHIVE and c.kind in member.archived:
            member.archived = [k for k in member.archived if k != c.kind]
        member.save()
        return member.site_id

    return handler


class SiteDriver(BaseDriver):
    backend = "wagtail"
    requires_backend = False
    retire = {SITE: ARCHIVE, COLLECTION: ARCHIVE, SETTINGS: ARCHIVE, EDITORS: ARCHIVE,
              SYNDICATE: ARCHIVE}
    transient_errors = (OperationalError,)  # the database is busy or went away: retry
    permanent_errors = (LookupError,)

    # -- desired
    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        syndicate = inventory.syndicate
        yield Resource(SYNDICATE(syndicate.siren), {"name": syndicate.name, "home": True})
        for m in inventory.members:
            if not m.subscribes(SERVICE):
                continue
            own, site = frozenset([m.code]), SITE(m.code)
            yield Resource(site, {"hostname": m.hostname, "site_name": m.name,
                                  "template": "commune", "publisher": inventory.syndicate.name},
                           own, (keys.REGISTRY_MEMBER(m.code),),
                           create_only=frozenset({"template", "publisher"}))
            yield Resource(COLLECTION(m.code), {"name": collection_name(m)}, own)
            yield Resource(SETTINGS(m.code), settings_attrs(m), own, (site,))
            yield Resource(EDITORS(m.code), permissions.wanted(staff_group(m.code)), own,
                           (site, COLLECTION(m.code)))

    # -- observe: one query per model
    def observe(self, scope: Scope) -> Iterable[Observed]:
        if scope.members is None:  # the syndicate's page is no member's
            yield from _observe_syndicate()
        rows = MemberSite.objects.select_related("site", "collection", "group")
        if scope.members is not None:
            rows = rows.filter(code__in=scope.members)
        rows = list(rows)
        settings = {s.site_id: s for s in CommuneSettings.objects.filter(
            site_id__in=[r.site_id for r in rows if r.site_id])}
        perms = permissions.observe({
            r.group_id: (r.site.root_page_id if r.site else None, r.collection_id, r.site_id)
            for r in rows if r.group_id})
        for r in rows:
            own = frozenset([r.code])

            def state(kind: str, row: MemberSite = r) -> str:
                return self.state(kind, kind not in row.archived)

            if r.site:
                yield Observed(SITE(r.code), {"hostname": r.site.hostname,
                                              "site_name": r.site.site_name},
                               state(SITE), own)
                if r.site_id in settings:
                    s = settings[r.site_id]
                    attrs = {"name": s.name, "code": s.code, "siren": s.siren}
                    attrs.update({k: getattr(s, k) for k in MANAGED_CONTACT})
                    yield Observed(SETTINGS(r.code), attrs, state(SETTINGS), own)
            if r.collection:
                yield Observed(COLLECTION(r.code), {"name": r.collection.name},
                               state(COLLECTION), own)
            if r.group:
                yield Observed(EDITORS(r.code), {"name": r.group.name, **perms[r.group_id]},
                               state(EDITORS), own)

    # -- apply: each change in its own transaction, the site's page cache bumped after it
    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        outcomes = super().apply(changes)
        if any(o.ok for o in outcomes):
            _bump_default_site()  # the syndicate's page lists the members' sites
        return outcomes

    def run(self, c: Change) -> None:
        with transaction.atomic():
            site_id = super().run(c)
        if site_id:
            pagecache.bump(site_id)

    def _syndicate(self, c: Change) -> int | None:
        return _apply_syndicate(c, c.ident)

    handlers = {
        SYNDICATE: _syndicate,
        SITE: _member_step(_ensure_site),
        (SITE, ARCHIVE): _member_step(_archive_site),
        COLLECTION: _member_step(_ensure_collection),
        (COLLECTION, ARCHIVE): _member_step(_mark_archived),
        SETTINGS: _member_step(_ensure_settings),
        (SETTINGS, ARCHIVE): _member_step(_mark_archived),
        EDITORS: _member_step(_ensure_editors),
        (EDITORS, ARCHIVE): _member_step(_archive_editors),
    }
