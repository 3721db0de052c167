"""Members' certificates figures: importing PEM files into the register and checking them with
pyHanko's validator (chain, revocation by the test root's CRL served on loopback, usage): half
one by one, as the admin's import does, half in one batch, as the daily task does (one
validation context: the CRL fetched once); then the reminders' daily pass over the register.

The PKI is the parapheur tests' (tests/signature/pki.py), in this process.

Run: .venv/bin/python benchmarks/bench_certificates.py [COUNT]
"""

from __future__ import annotations

import sys
import time

from _django import start  # noqa: E402 (benchmarks/_django.py)

work = start("certificates")

import logging  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from provisioning.models import RegistryMember  # noqa: E402
from signature.certificates import check_certificate, import_file, send_reminders  # noqa: E402
from signature.certificates.checks import check_certificates  # noqa: E402
from signature.certificates.models import RGS_AUTH  # noqa: E402
from tests.certificates.pki import issue  # noqa: E402
from tests.signature.pki import start_pki  # noqa: E402

logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    call_command("migrate", verbosity=0)
    pki = start_pki()
    root = work / "root.pem"
    root.write_bytes(pki.root_pem)
    settings.MUTUALIS_SIGNATURE_TRUST_ROOTS = [str(root)]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MUTUALIS_CERTIFICATES_MAIL_TO = ["certificats@syndicat.example.fr"]
    member = RegistryMember.objects.create(code="79101", name="Alphaville", kind="commune",
                                           slug="alphaville", hostname="alphaville.localhost")
    pems = [issue(pki, f"Agent {n}", days=20 + n % 200).pem for n in range(count)]
    started = time.perf_counter()
    records = [import_file(pem, f"agent-{n}.pem", member, RGS_AUTH, check=False)
               for n, pem in enumerate(pems)]
    imported = time.perf_counter() - started
    started = time.perf_counter()
    statuses = [check_certificate(r).status for r in records[:count // 2]]
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    statuses += [c.status for c in check_certificates(records[count // 2:])]
    batched = time.perf_counter() - started
    started = time.perf_counter()
    sent = send_reminders()
    reminded = time.perf_counter() - started
    pki.stop()
    assert statuses.count("valid") == count, set(statuses)
    print(f"{count} PEM certificates, EC P-256, one test root with a CRL on loopback:")
    print(f"  import (read, fingerprint, store) {imported:7.2f} s  "
          f"{count / imported:7.1f} certificates/s")
    half = count // 2
    print(f"  check one by one (CRL fetched each time, as an import does)"
          f" {one_by_one:7.2f} s  {half / one_by_one:7.1f} certificates/s")
    print(f"  check in a batch (one context, as the daily task does)     "
          f" {batched:7.2f} s  {(count - half) / batched:7.1f} certificates/s")
    print(f"  reminders' daily pass             {reminded:7.2f} s  ({sent} mails)")


if __name__ == "__main__":
    main()
