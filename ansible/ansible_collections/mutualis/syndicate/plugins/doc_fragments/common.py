# Copyright: Mutualis developers
# GNU Affero General Public License v3.0+ (see https://www.gnu.org/licenses/agpl-3.0.txt)
"""Options and notes shared by every module of mutualis.syndicate."""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  path:
    description:
      - The syndicate's Mutualis inventory file (YAML) with its syndicate, its backends and its
        members, as C(mutualis validate) checks it.
      - A relative path is relative to the directory C(ansible-playbook) runs from; the
        playbooks of the project pass an absolute path.
    type: path
    required: true
  secret_env:
    description:
      - Environment variables set for this task only, before Mutualis starts, for the
        C(${VAR}) references of the inventory's C(backends) section (for example
        C(LDAP_PASSWORD)) and for a C(DATABASE_URL) that holds a password.
      - Give them from Ansible Vault. Their values are never shown in Ansible's output
        (C(no_log)), unlike the task's C(environment), which C(-vvv) prints.
    type: dict
    default: {}
notes:
  - The module runs Mutualis itself, so it must run with the Python of the virtual environment
    where Mutualis is installed, on the syndicate's control node. Set
    C(ansible_python_interpreter) to it, for example C("{{ ansible_playbook_python }}") when
    C(ansible-playbook) comes from the same virtual environment.
  - The database and the C(var/) directory are found as the C(mutualis) command finds them,
    from the environment (C(DATABASE_URL), C(MUTUALIS_VAR_DIR)); pass them with the task's or
    the play's C(environment), or in O(secret_env) when they hold a password. With neither,
    Mutualis uses the SQLite database under the C(var/) directory of its checkout.
  - On the first run the database is created (or upgraded after an upgrade of Mutualis), also
    in check mode.
requirements:
  - Mutualis installed in the Python environment that runs the module.
"""
