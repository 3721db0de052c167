"""Where things live in the directory (docs/ldap-directory.md draws the tree).

    <base>
    ├── ou=people          one inetOrgPerson per person: uid=<uid>,ou=people,<base>
    ├── ou=members         one branch per member: ou=<code>,ou=members,<base>
    │   └── ou=<code>      its groupOfNames: cn=<code>-staff, cn=<code>-elus, ...
    ├── ou=policies        password policies: cn=default,ou=policies,<base>
    └── cn=nobody          placeholder member of groups that would otherwise be empty

Every DN value goes through `escape_dn_chars` (RFC 4514), even the uids and codes that the
naming module already keeps safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldap.dn import escape_dn_chars

ADMIN_RDN = "cn=admin"


@dataclass(frozen=True)
class Layout:
    base_dn: str

    @property
    def admin_dn(self) -> str:
        return f"{ADMIN_RDN},{self.base_dn}"

    @property
    def people_dn(self) -> str:
        return f"ou=people,{self.base_dn}"

    @property
    def members_dn(self) -> str:
        return f"ou=members,{self.base_dn}"

    @property
    def policies_dn(self) -> str:
        return f"ou=policies,{self.base_dn}"

    @property
    def policy_dn(self) -> str:
        return f"cn=default,{self.policies_dn}"

    @property
    def nobody_dn(self) -> str:
        return f"cn=nobody,{self.base_dn}"

    def account_dn(self, uid: str) -> str:
        return f"uid={escape_dn_chars(uid)},{self.people_dn}"

    def member_dn(self, code: str) -> str:
        return f"ou={escape_dn_chars(code)},{self.members_dn}"

    def group_dn(self, code: str, cn: str) -> str:
        return f"cn={escape_dn_chars(cn)},{self.member_dn(code)}"

    def skeleton(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The entries that exist before any inventory is applied, parents first."""
        first_rdn = self.base_dn.split(",", 1)[0]
        attr, _, value = first_rdn.partition("=")
        if attr.lower() == "dc":
            base = [("objectClass", "dcObject"), ("objectClass", "organization"),
                    ("dc", value), ("o", value)]
        else:
            base = [("objectClass", "organization"), ("o", value)]
        ou = "organizationalUnit"
        return [
            (self.base_dn, base),
            (self.people_dn, [("objectClass", ou), ("ou", "people")]),
            (self.members_dn, [("objectClass", ou), ("ou", "members")]),
            (self.policies_dn, [("objectClass", ou), ("ou", "policies")]),
            (self.nobody_dn, [
                ("objectClass", "organizationalRole"), ("cn", "nobody"),
                ("description", "Placeholder member: groupOfNames needs at least one member")]),
        ]
