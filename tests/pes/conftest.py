"""Fixtures of the PES tests: Alphaville subscribing to `pes`, its « PES » circuit (a
signature by the maire), the test PKI's root as a PEM file for xmlsec1. The PKI, the
registry and the installed keys are the parapheur's shared fixtures (tests/fixtures/
signature.py)."""

from __future__ import annotations

import shutil

import pytest

from signature import workflow
from signature.models import SIGNATURE

if shutil.which("xmlsec1") is None:  # scripts/setup.sh installs it
    raise RuntimeError("xmlsec1 is missing: install Debian's xmlsec1")


@pytest.fixture
def pes_registry(registry):
    member = registry.alpha
    member.services = [*member.services, "pes"]
    member.save()
    workflow.define_circuit(member, "Mandats et titres", "PES", [
        workflow.StepSpec(SIGNATURE, [registry.maire], label="Signature de l'ordonnateur")])
    return registry
