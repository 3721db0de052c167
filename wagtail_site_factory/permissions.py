"""What a member's editors' group may do, granted on the member's own objects only.

- pages: add, change, publish, lock and unlock on the member's home page and below (not
  `delete`: the home page itself cannot be deleted; Wagtail still lets editors delete the pages
  they created);
- the member's collection: add, change and choose documents and images;
- the member's site: change its settings, add, change and delete its alerts;
- globally: access to the Wagtail admin, nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    GroupSitePermission,
    Page,
    Site,
)

PAGE = ["wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.lock_page",
        "wagtailcore.publish_page", "wagtailcore.unlock_page"]
COLLECTION = sorted(f"{app}.{action}_{model}"
                    for app, model in (("wagtaildocs", "document"), ("wagtailimages", "image"))
                    for action in ("add", "change", "choose"))
SITE = sorted(["wagtail_site_factory.change_communesettings",
               "wagtail_site_factory.add_sitealert", "wagtail_site_factory.change_sitealert",
               "wagtail_site_factory.delete_sitealert"])
GLOBAL = ["wagtailadmin.access_admin"]


def wanted(name: str) -> dict:
    """The editors' group as the inventory wants it (attributes of `wagtail.editors:<code>`)."""
    return {"name": name, "pages": PAGE, "collection": COLLECTION, "site": SITE,
            "global": GLOBAL, "elsewhere": 0}


def _label(app_label: str, codename: str) -> str:
    return f"{app_label}.{codename}"


def observe(groups: dict[int, tuple[int | None, int | None, int | None]]) -> dict[int, dict]:
    """Permissions of several groups, in one query per permission model.

    `groups` maps a group id to the ids of its member's (home page, collection, site); each
    permission on another object counts in `elsewhere`.
    """
    found: dict[int, dict] = {gid: {"pages": [], "collection": [], "site": [], "global": [],
                                    "elsewhere": 0} for gid in groups}
    ids = list(groups)
    rows = GroupPagePermission.objects.filter(group_id__in=ids).values_list(
        "group_id", "page_id", "permission__content_type__app_label", "permission__codename")
    _sort(found, groups, rows, 0, "pages")
    rows = GroupCollectionPermission.objects.filter(group_id__in=ids).values_list(
        "group_id", "collection_id", "permission__content_type__app_label",
        "permission__codename")
    _sort(found, groups, rows, 1, "collection")
    rows = GroupSitePermission.objects.filter(group_id__in=ids).values_list(
        "group_id", "site_id", "permission__content_type__app_label", "permission__codename")
    _sort(found, groups, rows, 2, "site")
    rows = Group.permissions.through.objects.filter(group_id__in=ids).values_list(
        "group_id", "permission__content_type__app_label", "permission__codename")
    for gid, app, codename in rows:
        found[gid]["global"].append(_label(app, codename))
    for attrs in found.values():
        for name in ("pages", "collection", "site", "global"):
            attrs[name].sort()
    return found


def _sort(found: dict, groups: dict, rows: Iterable[tuple], slot: int, name: str) -> None:
    for gid, object_id, app, codename in rows:
        if object_id == groups[gid][slot]:
            found[gid][name].append(_label(app, codename))
        else:
            found[gid]["elsewhere"] += 1


def _permissions(labels: Iterable[str]) -> list[Permission]:
    by_app: dict[str, list[str]] = defaultdict(list)
    for label in labels:
        app, codename = label.split(".", 1)
        by_app[app].append(codename)
    found = []
    for app, codenames in by_app.items():
        perms = list(Permission.objects.filter(content_type__app_label=app,
                                               codename__in=codenames))
        if len(perms) != len(codenames):
            raise LookupError(f"missing permissions among {app}: {', '.join(codenames)}")
        found += perms
    return found


def grant(group: Group, home: Page, collection: Collection, site: Site) -> None:
    """Give the group exactly the editors' permissions on these objects, and none elsewhere."""
    revoke(group)
    GroupPagePermission.objects.bulk_create(
        GroupPagePermission(group=group, page=home, permission=p) for p in _permissions(PAGE))
    GroupCollectionPermission.objects.bulk_create(
        GroupCollectionPermission(group=group, collection=collection, permission=p)
        for p in _permissions(COLLECTION))
    GroupSitePermission.objects.bulk_create(
        GroupSitePermission(group=group, site=site, permission=p) for p in _permissions(SITE))
    group.permissions.set(_permissions(GLOBAL))


def revoke(group: Group) -> None:
    """Take every permission from the group (its members stay in it)."""
    GroupPagePermission.objects.filter(group=group).delete()
    GroupCollectionPermission.objects.filter(group=group).delete()
    GroupSitePermission.objects.filter(group=group).delete()
    group.permissions.clear()
