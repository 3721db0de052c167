"""Public functions of the directory bridge: activation links and passwords.

Apps and the CLI call these; none of them opens an LDAP connection of its own.

- `issue_activation_link(uid)`: a new single-use link (older unused ones stop working);
- `activate(token, password)`: what the activation page does;
- `find_account(uid)`: an account's main attributes, or None.

Which directory: `settings.MUTUALIS_LDAP` (a dict: url, base_dn, bind_dn, bind_password)
when set, else the embedded one that `mutualis services start` runs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import ldap
from django.db import connections, router, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ldap.controls import DecodeControlTuples
from ldap.controls.ppolicy import PasswordPolicyControl
from ldap.filter import escape_filter_chars

from mutualis import conf
from provisioning.drivers import BackendError, ProvisioningError, TransientBackendError

from .connection import TRANSIENT, connect, describe
from .entries import LOCKED_FOREVER
from .layout import Layout
from .models import ActivationToken

ACTIVATION_PATH = "activation/"

# Sent once for each batch of accounts the driver created, with `links` ({uid: link}), so
# that an app may mail the links. They are handed over in memory only: never logged or stored.
activation_issued = Signal()


class InvalidToken(ProvisioningError):
    pass


class PasswordRejected(ProvisioningError):
    """The directory's policy refuses the password; the message is for the person (French)."""


# ---------------------------------------------------------------------------- settings

def directory_settings() -> dict:
    from provisioning.backends import runtime_backend

    return runtime_backend("ldap", "MUTUALIS_LDAP", "directory")


@contextmanager
def directory(config: dict | None = None) -> Iterator[tuple[object, Layout]]:
    config = config or directory_settings()
    conn = connect(config)
    try:
        yield conn, Layout(config["base_dn"])
    finally:
        try:
            conn.unbind_s()
        except ldap.LDAPError:
            pass


# ---------------------------------------------------------------------------- tokens

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validity() -> timedelta:
    return timedelta(days=conf.MUTUALIS_ACTIVATION_DAYS)


def activation_url(token: str) -> str:
    from mutualis.links import app_url

    return app_url(f"/{ACTIVATION_PATH}{token}/" if token else f"/{ACTIVATION_PATH}")


def _new_token(uid: str) -> tuple[str, ActivationToken]:
    token = secrets.token_urlsafe(32)  # 256 bits
    now = timezone.now()
    return token, ActivationToken(uid=uid, token_hash=token_hash(token), created_at=now,
                                  expires_at=now + validity())


def store_new_tokens(uids: list[str]) -> None:
    """Tokens for accounts the driver just created (a retried create issues none twice).

    Written with one INSERT executed for all rows: bulk_create spends about 100 µs of Python
    on each row, more than the directory takes to add the account the token is for.
    """
    now = timezone.now()
    pending = set(ActivationToken.objects.filter(
        uid__in=uids, used_at__isnull=True, expires_at__gt=now).values_list("uid", flat=True))
    made = [(uid, secrets.token_urlsafe(32)) for uid in dict.fromkeys(uids)
            if uid not in pending]
    if not made:
        return
    meta = ActivationToken._meta
    conn = connections[router.db_for_write(ActivationToken)]
    fields = [meta.get_field(n) for n in ("uid", "token_hash", "created_at", "expires_at")]
    created = fields[2].get_db_prep_value(now, conn)
    expires = fields[3].get_db_prep_value(now + validity(), conn)
    quote = conn.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
           f" VALUES (%s, %s, %s, %s)")
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.executemany(sql, [(uid, token_hash(token), created, expires)
                                 for uid, token in made])
    if activation_issued.has_listeners():
        prefix = activation_url("")  # the base address is read once for the batch
        activation_issued.send(sender=ActivationToken,
                               links={uid: f"{prefix}{token}/" for uid, token in made})


def issue_activation_link(uid: str, config: dict | None = None) -> str:
    """A new activation link for an existing, enabled account; earlier links stop working."""
    account = find_account(uid, config)
    if account is None:
        raise ProvisioningError(f"no account has the uid {uid!r} in the directory")
    if account["disabled"]:
        raise ProvisioningError(f"the account {uid} is disabled: add the person back to the "
                                "inventory and apply first")
    token, row = _new_token(uid)
    with transaction.atomic():
        ActivationToken.objects.filter(uid=uid, used_at__isnull=True,
                                       expires_at__gt=row.created_at).update(
            expires_at=row.created_at)
        row.save()
    return activation_url(token)


def usable_token(token: str) -> ActivationToken | None:
    if not token or len(token) > 100:
        return None
    row = ActivationToken.objects.filter(token_hash=token_hash(token)).first()
    return row if row is not None and row.usable else None


# ---------------------------------------------------------------------------- accounts

def find_account(uid: str, config: dict | None = None) -> dict | None:
    """The account whose uid is exactly `uid` (the filter value is escaped: `*` is a star)."""
    try:
        with directory(config) as (conn, layout):
            found = conn.search_s(
                layout.people_dn, ldap.SCOPE_ONELEVEL,
                f"(&(objectClass=inetOrgPerson)(uid={escape_filter_chars(uid)}))",
                ["uid", "cn", "mail", "pwdAccountLockedTime"])
    except TRANSIENT as exc:
        raise TransientBackendError(f"the directory cannot be reached: {describe(exc)}") from None
    except ldap.LDAPError as exc:
        raise BackendError(f"the directory refused to look up {uid!r}: {describe(exc)}") from None
    if len(found) != 1:
        return None
    dn, entry = found[0]

    def text(name: str) -> str:
        return entry[name][0].decode() if entry.get(name) else ""

    return {"dn": dn, "uid": text("uid"), "cn": text("cn"), "mail": text("mail"),
            "disabled": text("pwdAccountLockedTime") == LOCKED_FOREVER}


def min_length(conn, layout: Layout) -> int:
    """The policy's minimum length. The admin who writes the password is exempt from the
    policy in OpenLDAP, so the length is checked here against the same entry."""
    try:
        found = conn.search_s(layout.policy_dn, ldap.SCOPE_BASE, "(objectClass=pwdPolicy)",
                              ["pwdMinLength"])
        return int(found[0][1]["pwdMinLength"][0]) if found else 0
    except (ldap.NO_SUCH_OBJECT, KeyError):
        return 0


POLICY_REFUSED = gettext_noop("Ce mot de passe est refusé.")
# Errors of the password policy response control (draft-behera-ldap-password-policy).
POLICY_ERRORS = {
    0: gettext_noop("Le mot de passe a expiré."),
    1: gettext_noop("Ce compte est verrouillé."),
    2: gettext_noop("Le mot de passe doit être changé."),
    3: gettext_noop("Ce mot de passe ne peut pas être modifié."),
    4: gettext_noop("L'ancien mot de passe est requis."),
    5: gettext_noop("Ce mot de passe est trop simple : choisissez-en un plus long ou plus varié."),
    6: gettext_noop("Ce mot de passe est trop court."),
    7: gettext_noop("Ce mot de passe a été changé trop récemment."),
    8: gettext_noop("Ce mot de passe a déjà été utilisé : choisissez-en un autre."),
}


def _policy_message(exc: ldap.LDAPError) -> str:
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    for control in DecodeControlTuples(info.get("ctrls") or []):
        if isinstance(control, PasswordPolicyControl) and control.error is not None:
            return _(POLICY_ERRORS.get(control.error, POLICY_REFUSED))
    return _("Ce mot de passe est refusé par l'annuaire : %(reason)s") % {
        "reason": info.get("info") or info.get("desc", "")}


def set_password(uid: str, password: str, config: dict | None = None) -> None:
    """Write the password as the admin through the Password Modify operation (RFC 3062):
    sent in clear on the connection, stored hashed by the server (olcPasswordHash)."""
    with directory(config) as (conn, layout):
        minimum = min_length(conn, layout)
        if len(password) < minimum:
            raise PasswordRejected(
                _("Le mot de passe doit comporter au moins %(n)d caractères.") % {"n": minimum})
        try:
            conn.passwd_s(layout.account_dn(uid), None, password,
                          serverctrls=[PasswordPolicyControl()])
        except (ldap.CONSTRAINT_VIOLATION, ldap.UNWILLING_TO_PERFORM) as exc:
            raise PasswordRejected(_policy_message(exc)) from None
        except TRANSIENT as exc:
            raise TransientBackendError(
                f"the directory cannot be reached: {describe(exc)}") from None
        except ldap.LDAPError as exc:
            raise BackendError(f"the directory refused the password of {uid}: "
                               f"{describe(exc)}") from None


def activate(token: str, password: str, config: dict | None = None) -> str:
    """Set the password of the token's account and spend the token. Returns the uid.

    The token is claimed first (so that two submissions cannot both use it) and given back
    if the directory refuses the password.
    """
    row = usable_token(token)
    if row is None:
        raise InvalidToken(_("Ce lien d'activation n'est pas valable ou a expiré."))
    now = timezone.now()
    claimed = ActivationToken.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not claimed:
        raise InvalidToken(_("Ce lien d'activation n'est pas valable ou a expiré."))
    try:
        account = find_account(row.uid, config)
        if account is None or account["disabled"]:
            raise PasswordRejected(_("Ce compte n'est pas actif."))
        set_password(row.uid, password, config)
    except BaseException:
        ActivationToken.objects.filter(pk=row.pk).update(used_at=None)
        raise
    # Any other link still pending for this account stops working too.
    ActivationToken.objects.filter(uid=row.uid, used_at__isnull=True).update(expires_at=now)
    return row.uid


def password_min_length(config: dict | None = None) -> int:
    """The policy's minimum length, for the form's hint (0 when the directory is away)."""
    try:
        with directory(config) as (conn, layout):
            return min_length(conn, layout)
    except (ProvisioningError, ldap.LDAPError):
        return 0
