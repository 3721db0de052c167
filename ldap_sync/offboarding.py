"""Offboarding: what the directory takes away, the web app takes away at once.

The Django user of a directory account mirrors it (ldap_sync.auth), but only when the person
logs in; an open session would outlive the account by its whole lifetime. So the LDAP driver
tells this module, for every change it applies, what it takes away:

- an account it disables (the person left every member): the Django user is deactivated,
  leaves every group the directory manages (`<member code>-…`, ldap_sync.auth.MANAGED_GROUP),
  gets a new unusable password — which changes Django's session auth hash, so every session
  cookie the person's browsers hold stops authenticating, whatever the session engine — and
  its stored sessions are deleted;
- the members it takes out of a managed group (the person left one member but stays in
  another, or a group is no longer wanted): that Django group is dropped at once, so the
  admin rights it gave go with it; the session stays, with the rights the person keeps;
- an account it enables again (the person is back in the inventory): the Django user is
  active again; their groups come back with their next login, since older sessions stay ended.

Order: the driver calls this before writing the directory, so that a failure here fails the
change and the engine's retry does both again (a later plan would find the directory done and
nothing left to redo); then, once per batch, `finish` passes again over what the directory took
away (a login could come in between the two writes: the lock had not been written yet) and
deletes the stored sessions. Superusers are the syndicate's own accounts: never deactivated
here, the refusal is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

FOREIGN = "dn:"  # a group member value that is not one of our accounts (entries.FOREIGN)


def _managed(name: str) -> bool:
    from .auth import MANAGED_GROUP

    return bool(MANAGED_GROUP.match(name))


def deactivate(uid: str) -> None:
    """End the web access of the directory account `uid` (its stored sessions: finish)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=uid).first()
    if user is None:
        return  # never logged in: nothing to end
    if user.is_superuser:
        log.warning("the directory account %s was disabled, but the Django user of that name is "
                    "a superuser: it stays active; check who it belongs to", uid)
        return
    user.is_active = False
    user.set_unusable_password()  # a new one: the session auth hash changes, cookies fail
    user.save(update_fields=["is_active", "password"])
    user.groups.remove(*[g for g in user.groups.all() if _managed(g.name)])
    log.info("the Django user %s is deactivated and out of its directory groups", uid)


def reactivate(uid: str) -> None:
    """The account is enabled again: so is its Django user (sessions ended stay ended)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username=uid, is_active=False,
                                    is_superuser=False).update(is_active=True)


def leave_group(cn: str, uids: Iterable[str]) -> None:
    """The people `uids` leave the directory group `cn`: they leave its Django group now."""
    uids = [u for u in uids if not u.startswith(FOREIGN)]
    if not uids or not _managed(cn):
        return
    from django.contrib.auth import get_user_model

    through = get_user_model().groups.through
    through.objects.filter(group__name=cn, user__username__in=uids).delete()


def empty_group(cn: str) -> None:
    """The directory group `cn` is archived: its Django group has nobody left."""
    if not _managed(cn):
        return
    from django.contrib.auth import get_user_model

    get_user_model().groups.through.objects.filter(group__name=cn).delete()


def finish(disabled: list[str], left: list[tuple[str, list[str] | None]]) -> None:
    """The batch's second pass, the directory written: the accounts `disabled` and the group
    memberships `left` ((cn, uids), or (cn, None) for a group emptied) end in the web app too,
    and the disabled accounts' stored sessions are deleted."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=disabled, is_superuser=False)
    for uid in users.filter(is_active=True).values_list("username", flat=True):
        log.warning("%s logged in while being offboarded: deactivated again", uid)
        deactivate(uid)
    for cn, uids in left:
        if uids is None:
            empty_group(cn)
        else:
            leave_group(cn, uids)
    end_sessions(users.values_list("pk", flat=True))


def end_sessions(user_ids: Iterable[int]) -> int:
    """Delete the stored sessions of these users; the number deleted.

    The session auth hash already changed (deactivate), so no cookie authenticates any more;
    this removes what a database-backed store (`db`, `cached_db`, its cache included) still
    holds. Other engines keep nothing server-side to delete. Django keeps no index of sessions
    by user: this reads the live sessions once for the whole batch.
    """
    from django.conf import settings

    ids = {str(i) for i in user_ids}
    if not ids or settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db",
                                                  "django.contrib.sessions.backends.cached_db"):
        return 0
    from importlib import import_module

    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = import_module(settings.SESSION_ENGINE).SessionStore
    doomed = []
    live = Session.objects.filter(expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data")
    for key, data in live.iterator(chunk_size=2000):
        if str(store().decode(data).get(SESSION_KEY, "")) in ids:
            doomed.append(key)
    for key in doomed:
        store(session_key=key).delete()
    return len(doomed)
