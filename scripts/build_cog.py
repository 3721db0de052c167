#!/usr/bin/env python3
"""Build provisioning/data/cog.json.gz, Mutualis's compact copy of the COG.

The source is the npm package `@etalab/decoupage-administratif` (Etalab, MIT licence): its
`communes.json` and `epci.json`. Usage:

    python scripts/build_cog.py [SOURCE_DIR] [--output PATH]

SOURCE_DIR defaults to ../shared/data/cog relative to the repository root. The output is
deterministic (sorted, gzip without a timestamp): rebuilding from the same source gives the
same bytes. Its layout is read by `provisioning.cog`:

    {"source": "...", "licence": "...",
     "communes": {"code": [...], "nom": [...], "siren": [...], "population": [...],
                  "departement": [...]},        # current communes, one column per field
     "former":   [[code, nom, current_code], ...],   # communes déléguées / associées
     "epci":     [[siren, nom, type, population, [member codes]], ...]}

Columns compress better than rows. A commune's SIREN is stored as "" when it is the one INSEE
derives from the code (see `provisioning.cog.derived_siren`), which is the case for most
communes, and as null when the commune has none.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from provisioning.cog import derived_siren  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "cog"
DEFAULT_OUTPUT = ROOT / "provisioning" / "data" / "cog.json.gz"
SOURCE = "@etalab/decoupage-administratif 6.0.0, files data/communes.json and data/epci.json"


def build(source: Path) -> dict:
    communes = json.loads((source / "communes.json").read_text(encoding="utf-8"))
    epcis = json.loads((source / "epci.json").read_text(encoding="utf-8"))
    current = sorted(
        ([c["code"], c["nom"], c.get("siren", ""), c.get("population"), c["departement"]]
         for c in communes if c["type"] == "commune-actuelle"),
        key=lambda row: row[0])
    current_codes = {row[0] for row in current}
    for row in current:
        row[2] = None if not row[2] else "" if row[2] == derived_siren(row[0]) else row[2]
    fields = ("code", "nom", "siren", "population", "departement")
    columns = {name: [row[i] for row in current] for i, name in enumerate(fields)}
    former = sorted(
        {(c["code"], c["nom"], c["chefLieu"]) for c in communes
         if c["type"] in ("commune-deleguee", "commune-associee")
         and c["code"] not in current_codes and c.get("chefLieu") in current_codes})
    epci = sorted(
        ([e["code"], e["nom"], e["type"], e.get("populationMunicipale"),
          sorted(m["code"] for m in e["membres"])] for e in epcis),
        key=lambda row: row[0])
    return {"source": SOURCE, "licence": "MIT (Etalab), see provisioning/data/README.md",
            "communes": columns, "former": [list(f) for f in former], "epci": epci}


def write(data: dict, output: Path) -> int:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as f:
        f.write(raw)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE,
                        help="folder holding communes.json and epci.json")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    for name in ("communes.json", "epci.json"):
        if not (args.source / name).is_file():
            print(f"{args.source / name}: not found (give the COG folder as argument)",
                  file=sys.stderr)
            return 1
    data = build(args.source)
    size = write(data, args.output)
    print(f"{args.output}: {len(data['communes']['code'])} communes, {len(data['former'])} former "
          f"communes, {len(data['epci'])} EPCI, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
