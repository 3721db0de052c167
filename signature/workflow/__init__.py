"""The parapheur's workflow: submit a folder, act on its steps (visa, signature, seal), reject
with a reason, delegate, act on several folders at once.

Who is who comes from the registry: a Django user is the RegistryPerson whose uid is the
username; a person belongs to the members where they hold an active seat; a step's group
(`<code>-elus`, `<code>-staff`, `<code>-<assembly>`) is resolved through the seats' roles and
assemblies, as the directory's groups are.

The pieces: `people` (who is who), `circuits` (a member's circuits, their steps and versions),
`who_may_act` (who may act on a folder now, and for whom), `delegation`, `submission` (submit,
resubmit), `decisions` (visa, rejection, signature, several folders at once), `progress` (a
decision moves the folder along its circuit; seal and publication), `signing_keys` and
`signing` (the stored keys, and signing the documents of folders). Everything other code uses
is importable from here.
"""

from .circuits import (
    StepSpec,
    change_circuit,
    circuit_for,
    create_circuit,
    current_step,
    define_circuit,
    same_steps,
)
from .decisions import BatchResult, act_batch, approve, reject, sign
from .delegation import delegate
from .people import (
    check_member,
    display_name,
    group_members,
    members_of,
    parapheur_members,
    person_for,
    role_label,
    seat,
    seat_member,
    step_actors,
    subscribing,
)
from .progress import run_seal
from .signing import signing_options
from .signing_keys import (
    active_key,
    asks_secret,
    install_key,
    install_pkcs11_key,
    personal_key,
    signer_for,
)
from .submission import resubmit, submit
from .who_may_act import capacities, submitted_by, waiting_for

__all__ = [
    "BatchResult", "StepSpec", "act_batch", "active_key", "approve", "asks_secret",
    "capacities", "change_circuit", "check_member", "circuit_for", "create_circuit",
    "current_step", "define_circuit", "delegate", "display_name", "group_members",
    "install_key", "install_pkcs11_key", "members_of", "parapheur_members", "person_for",
    "personal_key", "reject", "resubmit", "role_label", "run_seal", "same_steps", "seat",
    "seat_member", "sign", "signer_for", "signing_options", "step_actors", "submit",
    "submitted_by", "subscribing", "waiting_for",
]
