#!/usr/bin/python
# Copyright: Mutualis developers
# GNU Affero General Public License v3.0+ (see https://www.gnu.org/licenses/agpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: plan_info
short_description: Read what applying a Mutualis inventory would change, as data
description:
  - Plans the inventory file as C(mutualis plan --json) does and returns the plan (each change
    and a summary), changing nothing. Use it to review a change before applying it, to gate a
    deployment on an empty plan, or to detect drift.
  - Never reports C(changed). With C(--diff) the plan is also returned as C(diff), one entry
    per resource; Ansible displays diffs of changed tasks only, so read the RV(plan) instead.
version_added: 0.1.0
author:
  - Mutualis developers (!UNKNOWN)
options:
  only:
    description:
      - Member codes (INSEE codes of communes, SIREN of EPCI) to limit the plan to.
      - Empty means the whole inventory.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - mutualis.syndicate.common
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: The module changes nothing in any mode.
  diff_mode:
    support: full
    details: The plan is returned as C(diff) too.
  platform:
    platforms: posix
  action_group:
    support: full
    membership:
      - mutualis.syndicate.mutualis
seealso:
  - module: mutualis.syndicate.inventory
"""

EXAMPLES = r"""
- name: Read the plan
  mutualis.syndicate.plan_info:
    path: /srv/syndicat/inventaire.yml
  register: mutualis_plan

- name: Stop when the backends drifted from the inventory
  ansible.builtin.assert:
    that: mutualis_plan.pending == 0
    fail_msg: "{{ mutualis_plan.plan.summary }}"
"""

RETURN = r"""
plan:
  description: The changes that applying the inventory would make, as C(mutualis plan --json).
  returned: always
  type: dict
  contains:
    changes:
      description: One entry per resource that would change.
      type: list
      elements: dict
      sample:
        - key: ldap.account:jdupont
          kind: ldap.account
          action: update
          before: {mail: jeanne.dupont@example.fr}
          after: {mail: jeanne.dupont@juille.example.fr}
    summary:
      description: How many resources each action concerns (noop for those unchanged).
      type: dict
      sample: {create: 0, update: 1, disable: 0, archive: 0, noop: 30}
pending:
  description: How many changes the plan holds (0 when the backends match the inventory).
  returned: always
  type: int
  sample: 1
"""

# Imports after the documentation, as Ansible lays modules out.
from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.mutualis.syndicate.plugins.module_utils.mutualis import (  # noqa: E402
    COMMON_ARGUMENT_SPEC,
    load_inventory,
    plan_and_apply,
    run,
)


def read_plan(module):
    result = plan_and_apply(module, load_inventory(module.params["path"]),
                            module.params["only"], apply=False)
    result["pending"] = len(result["plan"]["changes"])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            COMMON_ARGUMENT_SPEC,
            only=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    run(module, lambda: read_plan(module))


if __name__ == "__main__":
    main()
