"""A Radicale authentication plugin: local accounts first, then the directory.

Radicale takes one `[auth] type`; a module name there is a plugin whose `Auth` class it loads
(radicale/utils.py, load_plugin). The embedded Radicale needs two sources: the service
account, kept in Radicale's own users file (htpasswd) so that it does not depend on the
directory and cannot be locked out by the directory's password policy; and the people, who
log in with their directory uid and password and bring their groups (`memberOf`), which is
what Radicale's group shares match.

A name in the users file is local and only local: the directory is never asked about it, and
a directory login that would come out as that name is refused, so that no directory entry
can become the service account.
"""

from __future__ import annotations

from radicale import auth
from radicale.auth import htpasswd
from radicale.auth import ldap as ldap_auth


class Auth(auth.BaseAuth):
    def __init__(self, configuration) -> None:
        super().__init__(configuration)
        self._local = htpasswd.Auth(configuration)
        self._directory = ldap_auth.Auth(configuration)
        self._users_file = configuration.get("auth", "htpasswd_filename")

    def _local_names(self) -> set[str]:
        # Read at each login, as Radicale reads its users file: a new line is a new account.
        with open(self._users_file, encoding="utf-8") as f:
            return {line.split(":", 1)[0].casefold() for line in f if ":" in line}

    def _login_ext_with_groups(self, login: str, password: str, context) -> tuple[str, set]:
        local = self._local_names()
        if login.casefold() in local:
            return self._local._login(login, password), set()
        user, groups = self._directory._login_ext_with_groups(login, password, context)
        if user.casefold() in local:
            return auth.NO_LOGIN_NO_GROUPS
        return user, groups
