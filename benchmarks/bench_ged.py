"""GED figures, on PostgreSQL (a throwaway database, dropped and created by the benchmark):

- filing rate: documents filed through `ged.services.file_document` (PDF stored behind the
  storage API, SHA-256, PRONOM identification, pdftotext, audit entry), and through the
  apps' entry point `file_from_app`;
- a SEDA 2.2 SIP for 1,000 documents: built (manifest validated against the published
  schema, files zipped), then read back (validated again, every digest checked);
- full-text search p95 over DOCS documents of one syndicate (bulk-inserted, GIN index built
  after), for one member holding half of them, with the query plan (EXPLAIN ANALYZE). Each
  document's text is 10 words of a 60-word administrative vocabulary (each in about 15% of
  the documents: far commoner than real words) and 20 of 6,000 rare pseudo-words.

Then the same search on SQLite, the demo's database (FTS5, migration 0004), in a process of
its own (`--sqlite`: the same documents and queries, its index kept by triggers as they are
inserted), with its query plan (EXPLAIN QUERY PLAN), so that both p95 are printed together.

Run: .venv/bin/python benchmarks/bench_ged.py [DOCS] [--db=postgres://postgres@127.0.0.1:5432/x]
     .venv/bin/python benchmarks/bench_ged.py [DOCS] --sqlite   (the SQLite part alone)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--db=")),
          "postgres://postgres@127.0.0.1:5432/mutualis_ged_bench")
DOCS = next((int(a) for a in sys.argv[1:] if a.isdigit()), 200_000)
SQLITE = "--sqlite" in sys.argv
WORK = Path(tempfile.mkdtemp(prefix="mutualis-bench-ged-"))
(WORK / "var").mkdir()
os.environ.update(MUTUALIS_VAR_DIR=str(WORK / "var"), MUTUALIS_PRIVATE_ROOT=str(WORK / "private"))
if SQLITE:  # var/mutualis.sqlite3, as the demo has it
    os.environ.pop("DATABASE_URL", None)
else:
    os.environ["DATABASE_URL"] = DB
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")


def recreate_database() -> None:
    import psycopg

    name = DB.rsplit("/", 1)[1]
    with psycopg.connect(DB.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


if not SQLITE:
    recreate_database()
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ged import plan, retention, seda, services  # noqa: E402
from ged.models import Document, DocumentType  # noqa: E402
from ged.search import search  # noqa: E402
from provisioning.models import RegistryMember  # noqa: E402
from tests.factories import make_pdf  # noqa: E402

WORDS = ("budget cantine voirie toiture école piscine marché travaux assainissement éclairage "
         "cimetière salle fêtes subvention association personnel recrutement urbanisme permis "
         "lotissement église mairie bibliothèque déchets collecte transport scolaire tarif "
         "convention contrat avenant délibération arrêté stationnement circulation eau réseau "
         "chauffage électricité assurance contentieux emprunt dette fonds concours élection "
         "recensement cadastre forêt chemin rural pont trottoir parking camping gîte").split()

SYLLABLES = "ba be bi bo bu ca ce ci co da de di do fa fe fi ga go la le li lo ma me mi mo na "\
            "ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo".split()
_rare = random.Random(3)
# Names, places and terms that few documents carry (pseudo-words: « tiroba », « semodi »…).
RARE = sorted({"".join(_rare.choices(SYLLABLES, k=3)) for _ in range(6000)})


def member(code: str, name: str) -> RegistryMember:
    m = RegistryMember.objects.create(code=code, name=name, kind="commune", slug=f"m{code}",
                                      hostname=f"m{code}.localhost", services=["ged"])
    plan.load_standard(m)
    return m


def filing(m: RegistryMember, count: int = 200) -> None:
    pdfs = [make_pdf(f"Facture {i} : {' '.join(random.sample(WORDS, 8))}") for i in range(20)]
    start = time.perf_counter()
    for i in range(count):
        services.file_document(m, "FACTURES", f"Facture {i}", pdfs[i % 20], filename="f.pdf")
    elapsed = time.perf_counter() - start
    print(f"filing (file_document, PDF with pdftotext): {count} in {elapsed:.2f} s "
          f"({count / elapsed:.0f} documents/s, {elapsed / count * 1000:.1f} ms each)")
    start = time.perf_counter()
    for i in range(count):
        services.file_from_app(m, "DELIB", f"Délibération {i}", pdfs[i % 20],
                               filename="d.pdf", object_app="actes", object_key=i)
    elapsed = time.perf_counter() - start
    print(f"filing from the apps (file_from_app): {count} in {elapsed:.2f} s "
          f"({count / elapsed:.0f} documents/s)")


def sip(m: RegistryMember, count: int = 1000) -> None:
    for i in range(count):
        services.file_document(m, "OUVRAGE-EXECUTE", f"DOE {i}", make_pdf(f"DOE {i}"),
                               filename=f"doe-{i}.pdf", created_on=date(2010, 1, 1),
                               closed_on=date(2012, 1, 1), text="")
    [proposal] = retention.propose(m, date(2026, 12, 1))
    start = time.perf_counter()
    package = retention.build_sip(proposal, "FRAD079")
    built = time.perf_counter() - start
    start = time.perf_counter()
    _identifier, items = seda.read_sip(package)
    read = time.perf_counter() - start
    assert len(items) == count and all(i.digest_ok for i in items)
    print(f"SEDA 2.2 SIP of {count} documents: built and validated in {built:.2f} s "
          f"({len(package) / 1e6:.1f} MB), read back and checked in {read:.2f} s")


def bulk(members: list[RegistryMember], total: int) -> RegistryMember:
    """`total` documents, half of them the first member's, bulk-inserted; index after."""
    types = {m.pk: list(DocumentType.objects.filter(member=m)) for m in members}
    if not SQLITE:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS ged_document_fts_fr")
    start, batch, made = time.perf_counter(), [], 0
    rng = random.Random(18)
    for n in range(total):
        m = members[0] if n % 2 == 0 else members[1 + n % (len(members) - 1)]
        t = rng.choice(types[m.pk])
        words = " ".join(rng.choices(WORDS, k=10) + rng.choices(RARE, k=20))
        title = f"{t.title} {n}"
        batch.append(Document(member=m, doc_type=t, title=title[:500],
                              created_on=date(2000, 1, 1) + timedelta(days=n % 9000),
                              search_text=f"{title}\n{words}"))
        if len(batch) == 5000:
            Document.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Document.objects.bulk_create(batch)
    inserted = time.perf_counter() - start
    if SQLITE:
        print(f"SQLite: {total} documents bulk-inserted in {inserted:.1f} s (FTS5 index kept "
              "by its triggers meanwhile)")
        return members[0]
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX ged_document_fts_fr ON ged_document USING gin "
                       "(search_vector)")
        cursor.execute("ANALYZE ged_document")
    print(f"{total} documents bulk-inserted in {inserted:.1f} s, GIN index built in "
          f"{time.perf_counter() - start:.1f} s")
    return members[0]


def full_text(m: RegistryMember, queries: int = 200) -> None:
    rng = random.Random(7)
    samples = {"page": [], "count": []}
    for n in range(queries):
        # A third each: one common word, two common words, a rare word and a common one.
        words = " ".join([rng.choice(WORDS)] if n % 3 == 0 else rng.sample(WORDS, 2)
                         if n % 3 == 1 else [rng.choice(RARE), rng.choice(WORDS)])
        found = search(m, words)
        start = time.perf_counter()
        list(found[:30])
        samples["page"].append(time.perf_counter() - start)
        start = time.perf_counter()
        found.count()
        samples["count"].append(time.perf_counter() - start)
    for kind, values in samples.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{'SQLite FTS5' if SQLITE else 'PostgreSQL'} "
              f"full-text search ({kind}, {queries} queries, a third each of: one common word, "
              "two common words, a rare and a common word): "
              f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    sql, params = search(m, "toiture école")[:30].query.sql_with_params()
    if SQLITE:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            print("EXPLAIN QUERY PLAN (search « toiture école », first page):")
            for row in cursor.fetchall():
                print("   ", row[-1])
        return
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
        print("EXPLAIN ANALYZE (search « toiture école », first page):")
        for (line,) in cursor.fetchall():
            print("   ", line)


def main() -> None:
    call_command("migrate", verbosity=0)
    members = [member(f"79{i:03d}", f"Commune {i}") for i in range(11)]
    if SQLITE:
        full_text(bulk(members, DOCS))
        return
    filing(members[1])
    sip(members[2])
    full_text(bulk(members, DOCS))
    sys.stdout.flush()
    import subprocess

    subprocess.run([sys.executable, __file__, str(DOCS), "--sqlite"], check=True)


if __name__ == "__main__":
    main()
