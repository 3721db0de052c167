# Copyright: Mutualis developers
# GNU Affero General Public License v3.0+ (see https://www.gnu.org/licenses/agpl-3.0.txt)
"""Run Mutualis' provisioning service inside an Ansible module.

The modules stay thin: they read their options and call `run()` with a function that uses
`provisioning.service`, the entry point the `mutualis` command uses too. This file sets Django
up from the environment (DATABASE_URL, MUTUALIS_VAR_DIR, as the command does), keeps whatever
Mutualis prints off the module's standard output (where Ansible reads the result), and turns
every error into one sentence for `fail_json`, never a traceback.

Mutualis and Django are imported inside the functions: the module files must stay importable
where Mutualis is not installed (ansible-doc, ansible-test).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback

COMMON_ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    secret_env=dict(type="dict", default={}, no_log=True),
)

# The command line's options, named as the modules name them, in the service's sentences.
_OPTION_WORDS = (("pass --allow-destroy", "set allow_destroy: true"), ("--only ", "only: "))

_NOT_INSTALLED = (
    "Mutualis cannot start with the Python that runs this module ({python}): there is no "
    "module {module}. Set ansible_python_interpreter to the python of the virtual environment "
    "where Mutualis is installed (the playbooks use the one running ansible-playbook)")


class Failure(Exception):
    """An error for people: one sentence, and what the module's result carries besides."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


def for_ansible(message):
    """A sentence of the service, with the module's option names instead of the command's."""
    for command_word, module_word in _OPTION_WORDS:
        message = message.replace(command_word, module_word)
    return message


def _start(secret_env):
    """Set the task's secret variables, then Django, then create or upgrade the database."""
    for name, value in (secret_env or {}).items():
        os.environ[str(name)] = "" if value is None else str(value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
    try:
        from mutualis.cli import ensure_database, setup_django

        setup_django()
    except ModuleNotFoundError as exc:
        raise Failure(_NOT_INSTALLED.format(python=sys.executable, module=exc.name)) from None
    ensure_database()


def _failure(exc):
    """The `fail_json` arguments for an exception (called inside its `except` block)."""
    if isinstance(exc, Failure):
        return dict(exc.result, msg=exc.msg)
    try:
        from provisioning.drivers import ProvisioningError
    except ImportError:
        ProvisioningError = ()
    if isinstance(exc, ProvisioningError):
        return dict(msg=for_ansible(str(exc)))
    failure = dict(msg=f"internal error: {type(exc).__name__}: {exc} (set MUTUALIS_DEBUG=1 in "
                       "the task's environment to see the traceback)")
    if os.environ.get("MUTUALIS_DEBUG") == "1":
        failure["exception"] = traceback.format_exc()
    return failure


def run(module, work):
    """Exit `module` with the result of `work()`, run with Mutualis set up; or fail it with one
    sentence. Nothing Mutualis prints reaches standard output, which holds the result."""
    with contextlib.redirect_stdout(sys.stderr):
        try:
            _start(module.params["secret_env"])
            outcome = ("exit", work())
        except Exception as exc:  # every error becomes a sentence, none a traceback
            outcome = ("fail", _failure(exc))
    if outcome[0] == "fail":
        module.fail_json(**outcome[1])
    module.exit_json(**outcome[1])


# --------------------------------------------------------------------------- inventories

def load_inventory(path):
    """The inventory file at `path`, validated (uids kept from the registry)."""
    from provisioning import service

    return service.load(os.path.abspath(path))


def _value(mapping_node, key):
    for key_node, value_node in mapping_node.value:
        if getattr(key_node, "value", None) == key:
            return value_node
    return None


def load_with_member(path, code, member):
    """The inventory at `path` with its member `code` replaced by `member` (a dict as the file
    would hold it), or left out when `member` is None; and that member as the file declares
    it, or None when the file does not declare it.

    The file is validated on its own first, so that its own errors keep their line numbers;
    it is then merged as YAML nodes, so that Vault values and `${VAR}` references reach the
    service untouched.
    """
    import yaml

    from provisioning import service
    from provisioning.loader import InventoryError

    path = os.path.abspath(path)
    service.load(path)
    with open(path, encoding="utf-8") as f:
        root = yaml.compose(f.read(), Loader=yaml.SafeLoader)
    members = _value(root, "members")
    declared, kept = None, []
    for node in members.value:
        code_node = _value(node, "code")
        if code_node is not None and code_node.value == code:
            declared = yaml.safe_load(yaml.serialize(node, Dumper=yaml.SafeDumper))
        else:
            kept.append(node)
    if member is not None:
        kept.append(yaml.compose(yaml.safe_dump(member, allow_unicode=True, sort_keys=False),
                                 Loader=yaml.SafeLoader))
    members.value, members.flow_style = kept, False
    text = yaml.serialize(root, Dumper=yaml.SafeDumper, allow_unicode=True)
    try:
        inventory = service.load(path, text=text)
    except InventoryError as exc:
        raise Failure("\n".join(f"{path} (with the task's member {code}): {msg}"
                                for _line, msg in exc.errors)) from None
    return inventory, declared


def without_empty(value):
    """Options as the inventory file would hold them: unset options and empty lists left out."""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


# --------------------------------------------------------------------------- plan and apply

def plan_and_apply(module, inventory, only=None, allow_destroy=False, apply=True):
    """Plan; then, unless in check mode or told not to, apply. The module's result: `changed`
    exactly when the plan is not empty and was applied (or, in check mode, would be)."""
    from provisioning import service
    from provisioning.engine import DestructivePlanError, check_destructive

    planned = service.plan(inventory, only)
    plan = planned.plan
    result = dict(changed=False, plan=plan.as_json())
    if module._diff:
        result["diff"] = service.ansible_diff(plan)
    if plan.empty or not apply:
        return result
    try:
        check_destructive(plan, allow_destroy)
    except DestructivePlanError as exc:
        if not module.check_mode:
            raise Failure(for_ansible(str(exc)), **result) from None
        module.warn("this plan would be refused: " + for_ansible(str(exc)))
    result["changed"] = True
    if module.check_mode:
        return result

    applied = service.apply(planned, allow_destroy)
    result["run"] = dict(id=applied.run_id, status=applied.status, errors=applied.errors,
                         pending_after=applied.pending_after,
                         error=applied.error)
    if applied.status == "succeeded":
        return result
    if applied.error and not applied.errors:
        # The run stopped short of re-observing (a backend died): say why, not "None pending".
        msg = (f"run {applied.run_id} {applied.status}: {for_ansible(applied.error)}: see "
               f"`mutualis runs {applied.run_id}`")
    elif applied.errors:
        result["changed"] = len(applied.errors) < len(plan.pending)
        failures = "; ".join(f"{key}: {error}" for key, error in sorted(applied.errors.items()))
        msg = (f"run {applied.run_id} failed: {len(applied.errors)} of the {len(plan.pending)} "
               f"changes were not applied: {failures}")
    else:
        msg = (f"run {applied.run_id} {applied.status}: after the apply, "
               f"{applied.pending_after} changes are still pending (something else changes "
               "these resources, or a backend does not keep what it was given): see "
               f"`mutualis runs {applied.run_id}`")
    raise Failure(msg, **result)
