"""`ansible-test sanity` on the collection mutualis.syndicate: every test of ansible-core's list.

Run locally (`--local --python 3.11`, no container): ansible-test puts each test's tools
(pylint, yamllint, voluptuous for validate-modules, ...) in a virtual environment of its own
under ~/.ansible/test/venv, built from PyPI the first time (a few minutes; scripts/setup.sh
builds them with `--prime-venvs`) and reused afterwards, when the whole list takes about 20
seconds. pslint and shellcheck have nothing to check (no PowerShell, no shell script).

ansible-test bootstraps pip in those environments with a script it downloads from its own CI
file server, which our machines cannot reach: `pip_bootstrap.py` stands in for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "ansible" / "ansible_collections" / "mutualis" / "syndicate"
ANSIBLE_TEST = Path(sys.executable).parent / "ansible-test"
# The pip that ansible-core 2.19's ansible-test bootstraps; its script's name in the cache.
BOOTSTRAP_PIP_VERSION = "24.2"

pytestmark = pytest.mark.slow


def install_pip_bootstrap() -> None:
    cache = Path.home() / ".ansible" / "test" / "cache"
    script = cache / f"get_pip_{BOOTSTRAP_PIP_VERSION.replace('.', '_')}.py"
    if not script.exists():
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(__file__).with_name("pip_bootstrap.py"), script)


def test_the_collection_passes_ansible_test_sanity():
    install_pip_bootstrap()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    proc = subprocess.run(
        [str(ANSIBLE_TEST), "sanity", "--local", "--python", "3.11", "--color", "no"],
        cwd=COLLECTION, env=env, capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for test in ("validate-modules", "ansible-doc", "import", "pylint", "yamllint"):
        assert f'Running sanity test "{test}"' in output
