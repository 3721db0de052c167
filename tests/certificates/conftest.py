"""Fixtures of the register's tests: the OCSP responder of the test root, and the syndicate's
superuser. The PKI, the registry of two members and the signature settings are the
parapheur's (tests/fixtures/signature.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from .pki import OcspResponder


@pytest.fixture(scope="session")
def ocsp_responder(pki):
    responder = OcspResponder(pki)
    yield responder
    responder.stop()


@pytest.fixture
def syndicate_admin(db) -> User:
    return User.objects.create_superuser("admin-syndicat", "ra@syndicat.example.fr", "x" * 20,
                                         first_name="Agnès", last_name="Registre")
