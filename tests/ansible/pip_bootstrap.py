"""The pip bootstrap of ansible-test's sanity environments, from PyPI only.

ansible-test creates each sanity test's virtual environment without pip, then runs a
`get-pip.py` it downloads from its own CI file server into ~/.ansible/test/cache/, where its
error message says a copy may be saved by hand. That server is not reachable from our
machines (PyPI is), so `test_sanity.py` saves this script there instead. It is called the way
ansible-test calls get-pip.py (`--disable-pip-version-check pip==X --no-setuptools
--no-wheel`) and does the same: pip from Python's own `ensurepip`, then the requested
packages from the package index.
"""

import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}  # get-pip.py's own options, not pip's


def main(argv: list[str]) -> int:
    # In its own process: ensurepip turns pip's configuration off in the environment of the
    # process that calls it, and the install below needs it (index, certificates).
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
    packages = [arg for arg in argv if arg not in GET_PIP_ONLY]
    return subprocess.call([sys.executable, "-m", "pip", "install", *packages])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
