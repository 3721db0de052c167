"""SHA-256 of acts: computed at upload, checked by `manage.py verify_acts`."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wagtail_site_factory.models import DocumentIntegrity

from .content import add_content, pdf_bytes


def test_the_hash_is_computed_at_upload_and_verified(sites):
    content = add_content(sites.members[0].code, "Alphaville")
    integrity = DocumentIntegrity.objects.get(document=content.document)
    assert integrity.sha256 == hashlib.sha256(pdf_bytes("Alphaville")).hexdigest()
    out = StringIO()
    call_command("verify_acts", stdout=out)
    assert "1 acts checked" in out.getvalue()
    # The file is altered behind Wagtail's back (on disk): the check says which act.
    with open(content.document.file.path, "ab") as f:
        f.write(b"%% altered\n")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 acts fail"):
        call_command("verify_acts", "--member", sites.members[0].code, stderr=err)
    assert "budget-de-alphaville" in err.getvalue()
