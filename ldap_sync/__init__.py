"""The LDAP driver and the directory's public functions.

- `ldap_sync.driver.LdapDriver`: makes an OpenLDAP directory match the inventory;
- `ldap_sync.services`: `issue_activation_link(uid)`, `activate(token, password)`,
  `find_account(uid)`, for the apps and the CLI;
- `ldap_sync.server.start_slapd(workdir)`: a throwaway slapd for tests and the demo.

docs/ldap-directory.md describes the directory's layout.
"""
