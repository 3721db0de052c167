"""The members' certificates register reads a PKCS#11 token (the SoftHSM2 token of this
package's `hsm` fixture): its holder's certificate is registered without its key ever leaving
the token; a wrong PIN and an unknown label are one sentence each."""

from __future__ import annotations

import pytest

from signature.certificates import import_token
from signature.certificates.models import PKCS11, SEAL, VALID, MemberCertificate
from signature.errors import SignatureError

from .conftest import PIN, TOKEN


def test_a_tokens_certificate_is_registered_and_checked(hsm, registry, settings):
    module, identity = hsm
    settings.MUTUALIS_PKCS11_MODULE = module
    with pytest.raises(SignatureError, match=f"Le jeton PKCS#11 « {TOKEN} » ne s'ouvre pas"):
        import_token(TOKEN, registry.alpha, SEAL, pin="000000")
    with pytest.raises(SignatureError, match=f"« {TOKEN} » n'a pas de certificat « autre »"):
        import_token(TOKEN, registry.alpha, SEAL, pin=PIN, label="autre")
    with pytest.raises(SignatureError, match="« absent » est absent du module configuré"):
        import_token("absent", registry.alpha, SEAL, pin=PIN)
    assert not MemberCertificate.objects.exists()
    [record] = import_token(TOKEN, registry.alpha, SEAL, pin=PIN, label="cachet")
    assert (record.source, record.source_detail) == (PKCS11, f"{TOKEN} / cachet")
    assert record.holder_name == "Cachet HSM de Alphaville"
    assert record.serial == format(identity.certificate.serial_number, "x")
    assert record.status == VALID, record.status_detail  # the test root's CRL answered
    with pytest.raises(SignatureError, match="sont déjà tous dans le registre"):
        import_token(TOKEN, registry.alpha, SEAL, pin=PIN)
