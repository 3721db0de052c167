"""Hélios figures (one process, no database): the S²LOW Hélios client against the stand-in
over HTTP on loopback, and the PES_Aller check.

- flux posted per second (helios_importer_fichier.php, each flux a distinct PES_Aller of
  three bordereaux and one PJ), then their status asked (helios_transac_get_status.php);
- reading a PES_Aller (parse, checks, bordereaux) of about 10 MB of PJ, and parsing an
  acquit.

Run: .venv/bin/python benchmarks/bench_helios.py [FLUX]
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actes.teletransmission import dgfip, pes  # noqa: E402
from actes.teletransmission.helios import S2lowHeliosConnector  # noqa: E402
from actes.teletransmission.s2low import S2lowSettings  # noqa: E402
from tests.doubles.s2low_standin import StandIn  # noqa: E402
from tests.helios.pes_files import pes_aller  # noqa: E402


def rate(label: str, count: int, action) -> None:
    start = time.perf_counter()
    for i in range(count):
        action(i)
    elapsed = time.perf_counter() - start
    print(f"{label}: {count} in {elapsed:.2f} s ({count / elapsed:.0f}/s, "
          f"{elapsed / count * 1000:.1f} ms each)", flush=True)


def main(count: int = 200) -> None:
    files = [pes_aller(nom_fic=f"PESALR2_BENCH_{i}") for i in range(count)]
    print(f"PES_Aller of {len(files[0])} bytes, {count} flux", flush=True)
    ids: list[str] = []
    with StandIn(auto_advance=False) as standin, \
            S2lowHeliosConnector(S2lowSettings(standin.url, retries=0)) as tiers:
        rate("flux posted to the stand-in", count,
             lambda i: ids.append(tiers.send_pes(f"PES_{i}.xml", files[i])))
        rate("status asked", count, lambda i: tiers.helios_status(ids[i]))
    big = pes_aller(pj=10, pj_size=750_000)  # base64: ~10 MB of XML
    print(f"PES_Aller of {len(big) / 1e6:.1f} MB", flush=True)
    rate("PES_Aller read and checked (10 MB)", 5, lambda i: pes.read_pes_aller(big))
    acquit = dgfip.build_acquit(pes.read_pes_aller(files[0]), date.today(), details=True)
    rate("PES_Acquit parsed", 1000, lambda i: pes.parse_acquit(acquit))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
