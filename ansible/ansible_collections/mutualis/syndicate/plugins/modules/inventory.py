#!/usr/bin/python
# Copyright: Mutualis developers
# GNU Affero General Public License v3.0+ (see https://www.gnu.org/licenses/agpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inventory
short_description: Make the backends match a syndicate's Mutualis inventory
description:
  - Plans the changes that make every backend (registry, directory, agendas, ...) match the
    inventory file, then applies them, as C(mutualis apply) does, and proves convergence by
    planning again.
  - Limited to some members with O(only). Nothing is ever deleted; people who left are
    disabled and members who left are archived, and a plan that would disable or archive
    more than the allowed share of the existing resources is refused unless
    O(allow_destroy=true).
  - Reports C(changed) exactly when the plan was not empty and was applied (in check mode,
    when it would be). With C(--diff), shows each resource before and after.
version_added: 0.1.0
author:
  - Mutualis developers (!UNKNOWN)
options:
  only:
    description:
      - Member codes (INSEE codes of communes, SIREN of EPCI) to limit the plan to.
      - A code may also be one of a member that left the inventory but was applied before,
        to archive it alone.
      - Empty means the whole inventory.
    type: list
    elements: str
    default: []
  allow_destroy:
    description:
      - Accept a plan that disables or archives more than the allowed share of the existing
        resources (10% by default). Nothing is deleted in any case.
    type: bool
    default: false
extends_documentation_fragment:
  - mutualis.syndicate.common
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Computes the plan and changes no backend.
  diff_mode:
    support: full
    details: One diff per resource that changes, from the plan.
  platform:
    platforms: posix
  action_group:
    support: full
    membership:
      - mutualis.syndicate.mutualis
seealso:
  - module: mutualis.syndicate.member
  - module: mutualis.syndicate.plan_info
"""

EXAMPLES = r"""
- name: Provision the whole syndicate
  mutualis.syndicate.inventory:
    path: /srv/syndicat/inventaire.yml
    secret_env:
      LDAP_PASSWORD: "{{ vault_ldap_bind_password }}"

- name: Provision two communes only
  mutualis.syndicate.inventory:
    path: /srv/syndicat/inventaire.yml
    only: ["79174", "79061"]

- name: Accept a plan that archives several members who left
  mutualis.syndicate.inventory:
    path: /srv/syndicat/inventaire.yml
    allow_destroy: true
"""

RETURN = r"""
plan:
  description: The changes planned (applied unless in check mode), as C(mutualis plan --json).
  returned: always
  type: dict
  contains:
    changes:
      description: One entry per resource that changes.
      type: list
      elements: dict
      sample:
        - key: caldav.calendar:79142/agenda
          kind: caldav.calendar
          action: create
          before: {}
          after: {name: Agenda de Juillé}
    summary:
      description: How many resources each action concerns (noop for those unchanged).
      type: dict
      sample: {create: 31, update: 0, disable: 0, archive: 0, noop: 0}
run:
  description: The run of the provisioning journal (C(mutualis runs ID)).
  returned: when the plan was applied
  type: dict
  contains:
    id:
      description: The run's number in the journal.
      type: int
      sample: 7
    status:
      description: How the run ended.
      type: str
      sample: succeeded
    errors:
      description: The message of each resource that could not be changed, by key.
      type: dict
      sample: {}
    pending_after:
      description: Changes still pending when the backends were observed again.
      type: int
      sample: 0
    error:
      description: Why the run stopped short (a backend that could not be observed again,
        a process stopped); empty otherwise.
      type: str
      sample: ""
"""

# Imports after the documentation, as Ansible lays modules out.
from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.mutualis.syndicate.plugins.module_utils.mutualis import (  # noqa: E402
    COMMON_ARGUMENT_SPEC,
    load_inventory,
    plan_and_apply,
    run,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            COMMON_ARGUMENT_SPEC,
            only=dict(type="list", elements="str", default=[]),
            allow_destroy=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    run(module, lambda: plan_and_apply(module, load_inventory(params["path"]), params["only"],
                                       params["allow_destroy"]))


if __name__ == "__main__":
    main()
