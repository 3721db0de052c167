"""Django's mail backend for Mutualis: SMTP, to the server that is configured when the mail
leaves, not when the process started.

- When the operator configured a mail server (`MUTUALIS_EMAIL_HOST` in the environment, which
  the settings record as `MUTUALIS_EMAIL_CONFIGURED`), or the caller gives a host to
  `get_connection(host=...)`, it is Django's SMTP backend with Django's EMAIL_HOST, EMAIL_PORT,
  EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS/SSL settings: the syndicate's relay.
- Otherwise it sends as the inventory's `smtp` backend says (kept in the registry at each
  apply: a host, or `url: embedded`), its password read from the environment variable the
  inventory names; and mail from the default address leaves from the inventory's `from`.
- Otherwise it sends through the embedded Postfix that `mutualis services start` recorded in
  var/services.json (`mail-server`, its loopback injection port), or, where it could not
  start, straight to the demo's mail catcher recorded there (read at each connection, so a
  server started after the web process is found, and a restarted one on another port too).
- Otherwise, and when the server does not answer, it raises `MailError`, whose text is one
  French sentence the apps can show as it is.

`MailError` is a `ProvisioningError` (the project's "error meant for people") and an
`smtplib.SMTPException` (so an `OSError`), so that code catching either still catches it.
"""

from __future__ import annotations

import os
import smtplib
import socket
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail.backends import smtp
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning.backends import embedded_services
from provisioning.drivers import ProvisioningError

EMBEDDED_TIMEOUT = 10  # seconds: the embedded server is on loopback; never wait forever


class MailError(ProvisioningError, smtplib.SMTPException):
    """Mail cannot leave: one sentence, for people."""


def not_configured() -> MailError:
    return MailError(_("Aucun serveur de courrier n'est configuré : définissez "
                       "MUTUALIS_EMAIL_HOST ou lancez `mutualis services start`."))


class EmailBackend(smtp.EmailBackend):
    def __init__(self, host=None, **kwargs):
        super().__init__(host=host, **kwargs)
        self.explicit = host is not None or bool(
            conf.MUTUALIS_EMAIL_CONFIGURED)
        self.embedded = False

    def _use_embedded(self) -> None:
        recorded = embedded_services()
        servers, mail = recorded.get("mail-server") or {}, recorded.get("mail")
        if servers.get("injection_port"):
            # The embedded Postfix: the members' mailboxes, the rest on to the catcher.
            self.host, self.port = servers["host"], int(servers["injection_port"])
        elif mail and mail.get("host") and mail.get("port"):
            self.host, self.port = mail["host"], int(mail["port"])
        else:
            raise not_configured()
        # Both take mail from loopback with no login and no TLS.
        self.username = self.password = ""
        self.use_tls = self.use_ssl = False
        if self.timeout is None:
            self.timeout = EMBEDDED_TIMEOUT
        self.embedded = True

    def _use_inventory(self, mail: dict) -> None:
        """The inventory's `smtp` backend: a relay of the syndicate's."""
        self.host, self.port = mail["host"], int(mail.get("port") or 25)
        self.username = mail.get("user", "")
        variable = mail.get("password_env", "")
        if variable and variable not in os.environ:
            raise MailError(_("Le mot de passe du serveur de courrier %(host)s est attendu dans "
                              "la variable d'environnement %(name)s, qui n'est pas définie.")
                            % {"host": self.host, "name": variable})
        self.password = os.environ.get(variable, "") if variable else ""
        self.use_tls, self.use_ssl = bool(mail.get("starttls")), bool(mail.get("ssl"))
        if mail.get("timeout"):
            self.timeout = float(mail["timeout"])

    def _choose_server(self) -> None:
        mail = inventory_mail()
        if mail.get("host") and mail.get("url") != "embedded":
            self._use_inventory(mail)
        else:
            self._use_embedded()

    def send_messages(self, email_messages):
        sender = "" if conf.MUTUALIS_EMAIL_FROM_CONFIGURED else (
            inventory_mail().get("from", ""))
        if sender:
            for message in email_messages:
                message.from_email = _from_syndicate(message.from_email, sender)
        return super().send_messages(email_messages)

    def _unreachable(self) -> MailError:
        if self.embedded:
            return MailError(_("Le serveur de courrier de démonstration (%(address)s) ne "
                               "répond pas : relancez `mutualis services start`.")
                             % {"address": f"{self.host}:{self.port}"})
        return MailError(_("Le serveur de courrier %(address)s ne répond pas : vérifiez "
                           "MUTUALIS_EMAIL_HOST et MUTUALIS_EMAIL_PORT.")
                         % {"address": f"{self.host}:{self.port}"})

    def open(self):
        if self.connection:
            return False
        if not self.explicit:
            try:
                self._choose_server()
            except MailError:
                if self.fail_silently:
                    return None
                raise
        try:
            return super().open()
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(_("Le serveur de courrier %(address)s refuse l'identifiant ou le "
                              "mot de passe : vérifiez MUTUALIS_EMAIL_USER et "
                              "MUTUALIS_EMAIL_PASSWORD.")
                            % {"address": f"{self.host}:{self.port}"}) from exc
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected) as exc:
            raise self._unreachable() from exc
        except smtplib.SMTPException:
            raise
        except (ConnectionError, TimeoutError, socket.gaierror) as exc:
            raise self._unreachable() from exc


def inventory_mail() -> dict:
    """The `smtp` backend of the last applied inventory (no secret in it), or {}."""
    from django.db.utils import OperationalError, ProgrammingError

    from provisioning import people

    try:
        syndicate = people.syndicate()
        return (syndicate.mail if syndicate is not None else None) or {}
    except (OperationalError, ProgrammingError):  # no registry yet (before the first migrate)
        return {}


def _from_syndicate(current: str, syndicate: str) -> str:
    """Mail from the default address leaves from the syndicate's, under the name the app gave
    it (a commune's), else the syndicate's."""
    name, address = parseaddr(current or "")
    if address and address != parseaddr(settings.DEFAULT_FROM_EMAIL)[1]:
        return current
    own_name, own_address = parseaddr(syndicate)
    return formataddr((name or own_name, own_address)) if own_address else current
