#!/usr/bin/python
# Copyright: Mutualis developers
# GNU Affero General Public License v3.0+ (see https://www.gnu.org/licenses/agpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: member
short_description: Provision or archive one member commune or EPCI of a syndicate
description:
  - Declares one member (a commune or an EPCI) in the task itself, with its services and its
    people, and makes the backends match it, leaving the other members alone.
  - The member belongs to the syndicate whose inventory file is O(path) which gives the
    syndicate, its backends and its other members (a person who also sits in another member
    keeps one account). With O(state=present) the member replaces the file's member of the
    same code, if any, and only that member is planned and applied.
  - With O(state=archived) the member is left out of the inventory and everything of it is
    retired, in the backends and in the registry; nothing is deleted, and declaring it again
    restores it. Archiving retires all its resources, so it needs O(allow_destroy=true).
  - Warns when the inventory file disagrees with the task (a member onboarded but not in the
    file, or archived but still in it), since the next run of the whole file would undo the
    task.
  - Reports C(changed) exactly when the plan was not empty and was applied (in check mode,
    when it would be). With C(--diff), shows each resource before and after.
version_added: 0.1.0
author:
  - Mutualis developers (!UNKNOWN)
options:
  code:
    description: INSEE code of the commune, or SIREN of the EPCI.
    type: str
    required: true
  state:
    description: Whether the member is provisioned or archived.
    type: str
    choices: [present, archived]
    default: present
  name:
    description:
      - Official name, checked against the code in the Code officiel geographique.
      - Required with O(state=present).
    type: str
  kind:
    description: Whether the member is a commune or an EPCI.
    type: str
    choices: [commune, epci]
    default: commune
  population:
    description: Population; taken from the Code officiel geographique when not given.
    type: int
  website:
    description: Hostname of the member's website (accents allowed).
    type: str
  services:
    description:
      - Services the member subscribes to, among C(website), C(extranet), C(cloud),
        C(agenda), C(convocation) (needs C(extranet) and C(agenda)), C(parapheur) (needs
        C(extranet)), C(messagerie), C(ged), C(courrier), C(grc) (needs C(website)) and C(pes)
        (needs C(parapheur)).
    type: list
    elements: str
    default: []
  address:
    description: Postal address of the mairie or of the EPCI's seat.
    type: str
  email:
    description: Contact email of the member.
    type: str
  phone:
    description: Contact phone number of the member.
    type: str
  assemblies:
    description:
      - Assemblies besides the standard ones (conseil municipal of a commune; conseil
        communautaire and bureau of an EPCI), such as commissions.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the assembly.
        type: str
        required: true
      slug:
        description: Short name used in group and folder names; derived from the name if not given.
        type: str
  people:
    description:
      - The member's people. A person is identified by their email; the same email in
        another member of the inventory is the same person, with a seat in each.
    type: list
    elements: dict
    default: []
    suboptions:
      given_name:
        description: Given name.
        type: str
        required: true
      surname:
        description: Surname.
        type: str
        required: true
      civility:
        description:
          - C(Mme) or C(M.) (C(Madame), C(Monsieur) accepted); gives the feminine or masculine
            role labels. When left out, it is read from the roles as written (C(adjointe)).
        type: str
      email:
        description: Email address, which identifies the person.
        type: str
        required: true
      roles:
        description:
          - Roles, such as C(maire), C(adjoint), C(conseiller municipal), C(président),
            C(conseiller communautaire), C(DGS), C(secrétaire de mairie), C(agent).
        type: list
        elements: str
        required: true
      uid:
        description: Directory login; derived from the name (C(jdupont)) if not given.
        type: str
      assemblies:
        description: Assemblies (slugs) the person sits in, besides the default ones.
        type: list
        elements: str
      title:
        description: Title shown on the website.
        type: str
      phone:
        description: Phone number.
        type: str
  allow_destroy:
    description:
      - Accept a plan that disables or archives more than the allowed share of the member's
        existing resources. Needed to archive a member.
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
  - module: mutualis.syndicate.inventory
"""

EXAMPLES = r"""
- name: Onboard the commune of Juillé
  mutualis.syndicate.member:
    path: /srv/syndicat/inventaire.yml
    code: "79142"
    name: Juillé
    kind: commune
    services: [website, extranet, agenda, convocation]
    people:
      - given_name: Jeanne
        surname: Dupont
        email: jeanne.dupont@juille.example.fr
        roles: [maire]
      - given_name: Zoé
        surname: N'Diaye
        email: zoe.ndiaye@juille.example.fr
        roles: [secrétaire de mairie]

- name: Archive a commune that left the syndicate
  mutualis.syndicate.member:
    path: /srv/syndicat/inventaire.yml
    code: "79055"
    state: archived
    allow_destroy: true
"""

RETURN = r"""
plan:
  description: The changes planned for this member (applied unless in check mode).
  returned: always
  type: dict
  contains:
    changes:
      description: One entry per resource that changes.
      type: list
      elements: dict
      sample:
        - key: registry.member:79055
          kind: registry.member
          action: archive
          before: {active: true}
          after: {active: false}
    summary:
      description: How many resources each action concerns (noop for those unchanged).
      type: dict
      sample: {create: 0, update: 0, disable: 3, archive: 9, noop: 0}
run:
  description: The run of the provisioning journal (C(mutualis runs ID)).
  returned: when the plan was applied
  type: dict
  contains:
    id:
      description: The run's number in the journal.
      type: int
      sample: 8
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
    load_with_member,
    plan_and_apply,
    run,
    without_empty,
)

MEMBER_FIELDS = ("code", "name", "kind", "population", "website", "services", "address",
                 "email", "phone", "assemblies", "people")


def provision(module):
    params = module.params
    code, path = params["code"], params["path"]
    if params["state"] == "archived":
        inventory, declared = load_with_member(path, code, None)
        if declared is not None:
            module.warn(f"member {code} is still in {path}: remove it there, or the next run "
                        "of the whole inventory will restore it")
    else:
        member = without_empty({name: params[name] for name in MEMBER_FIELDS})
        inventory, declared = load_with_member(path, code, member)
        if declared is None:
            module.warn(f"member {code} is not in {path}: add it there, or the next run of "
                        "the whole inventory will archive it")
        elif declared != member:
            module.warn(f"member {code} differs from its entry in {path}: update the file "
                        "too, or the next run of the whole inventory will undo this")
    return plan_and_apply(module, inventory, [code], params["allow_destroy"])


def main():
    person = dict(
        given_name=dict(type="str", required=True),
        surname=dict(type="str", required=True),
        civility=dict(type="str"),
        email=dict(type="str", required=True),
        roles=dict(type="list", elements="str", required=True),
        uid=dict(type="str"),
        assemblies=dict(type="list", elements="str"),
        title=dict(type="str"),
        phone=dict(type="str"),
    )
    module = AnsibleModule(
        argument_spec=dict(
            COMMON_ARGUMENT_SPEC,
            code=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "archived"], default="present"),
            name=dict(type="str"),
            kind=dict(type="str", choices=["commune", "epci"], default="commune"),
            population=dict(type="int"),
            website=dict(type="str"),
            services=dict(type="list", elements="str", default=[]),
            address=dict(type="str"),
            email=dict(type="str"),
            phone=dict(type="str"),
            assemblies=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True), slug=dict(type="str"))),
            people=dict(type="list", elements="dict", default=[], options=person),
            allow_destroy=dict(type="bool", default=False),
        ),
        required_if=[("state", "present", ("name",))],
        supports_check_mode=True,
    )
    run(module, lambda: provision(module))


if __name__ == "__main__":
    main()
