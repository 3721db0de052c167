"""Open data: the member's délibérations in the SCDL « Délibérations » model (CSV), and the
publication register as CSV; both checked against their Table Schema with frictionless.

SCDL 2.1.5 has no column for the date an act went online: each délibération's own
publication date is in the register export, one row per act, joined by the act's number.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from django.utils.translation import gettext as _

from provisioning.models import RegistryMember

from .models import Act, Matter, RegisterEntry
from .natures import DELIBERATION
from .services import ActRefused, settings_of

DATA = Path(__file__).parent / "data"
SCDL_SCHEMA = DATA / "scdl-deliberations-2.1.5.json"
REGISTER_SCHEMA = DATA / "registre-publication.json"

SCDL_COLUMNS = ["COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE",
                "DELIB_MATIERE_NOM", "DELIB_OBJET", "BUDGET_ANNEE", "BUDGET_NOM", "PREF_ID",
                "PREF_DATE", "VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE",
                "VOTE_ABSTENTION", "DELIB_URL"]
REGISTER_COLUMNS = ["ACTE_NUMERO", "ACTE_NATURE", "ACTE_OBJET", "ACTE_DATE", "MODE",
                    "PUBLIE_LE", "URL", "SHA256", "EMPREINTE_REGISTRE"]


def _matter_name(labels: dict[str, str], code: str) -> str:
    """SCDL: level-1 then level-2 label, lower case, no comma nor parenthesis, joined by "/"."""
    parts = code.split(".")
    names = [labels.get(".".join(parts[:n]), "") for n in (1, 2)]
    cleaned = [re.sub(r"\s+", " ", re.sub(r"[,()]", " ", n)).strip().lower() for n in names]
    return "/".join(n for n in cleaned if n)


def _value(value) -> str:
    return "" if value is None else str(value)


def scdl_rows(member: RegistryMember) -> list[dict[str, str]]:
    settings = settings_of(member)
    if not settings.siret:
        raise ActRefused([_("SIRET : renseignez le SIRET de %(name)s (paramètres des actes) : "
                            "le modèle SCDL l'exige.") % {"name": member.name}])
    acts = (Act.objects.filter(member=member, nature=DELIBERATION, minutes=False,
                               published_at__isnull=False)
            .select_related("matter__classification").prefetch_related("transmissions")
            .order_by("decision_date", "number"))
    labels: dict[int, dict[str, str]] = {}
    rows = []
    for act in acts:
        classification = act.matter.classification_id
        if classification not in labels:
            labels[classification] = dict(Matter.objects.filter(
                classification_id=classification).values_list("code", "label"))
        level2 = ".".join(act.matter.levels[:2])
        acknowledged = next((t for t in sorted(act.transmissions.all(), key=lambda t: t.pk)
                             if t.received_on), None)
        rows.append({
            "COLL_NOM": member.name, "COLL_SIRET": settings.siret, "DELIB_ID": act.number,
            "DELIB_DATE": act.decision_date.isoformat(),
            "DELIB_MATIERE_CODE": level2 if "." in level2 else "",
            "DELIB_MATIERE_NOM": _matter_name(labels[classification], act.matter.code),
            "DELIB_OBJET": act.subject, "BUDGET_ANNEE": act.budget_year,
            "BUDGET_NOM": act.budget_name, "PREF_ID": "",
            "PREF_DATE": acknowledged.received_on.isoformat() if acknowledged else "",
            "VOTE_EFFECTIF": _value(act.seats), "VOTE_REEL": _value(act.voters),
            "VOTE_POUR": _value(act.votes_for), "VOTE_CONTRE": _value(act.votes_against),
            "VOTE_ABSTENTION": _value(act.abstentions), "DELIB_URL": act.publication_url})
    return rows


def register_rows(member: RegistryMember) -> list[dict[str, str]]:
    return [{"ACTE_NUMERO": e.number, "ACTE_NATURE": e.kind, "ACTE_OBJET": e.title,
             "ACTE_DATE": e.act.decision_date.isoformat() if e.act else "",
             "MODE": e.mode, "PUBLIE_LE": e.at.isoformat(timespec="seconds"), "URL": e.url,
             "SHA256": e.sha256, "EMPREINTE_REGISTRE": e.digest}
            for e in RegisterEntry.objects.filter(member=member).select_related("act")
            .order_by("pk")]


def to_csv(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def validate(content: bytes, schema: Path) -> list[str]:
    """The errors frictionless finds in the CSV against the Table Schema; empty when valid."""
    from frictionless import Resource, Schema

    # The descriptor is read here: frictionless refuses absolute paths as "not safe".
    resource = Resource(data=content, format="csv", encoding="utf-8",
                        schema=Schema.from_descriptor(json.loads(schema.read_text())))
    report = resource.validate()
    return [f"ligne {row or '-'}, colonne {field or '-'} : {note}"
            for row, field, note in report.flatten(["rowNumber", "fieldName", "note"])]


def _export(rows: list[dict[str, str]], columns: list[str], schema: Path, what: str) -> bytes:
    content = to_csv(rows, columns)
    errors = validate(content, schema)
    if errors:
        raise ActRefused([f"{what} : {error}" for error in errors])
    return content


def export_scdl(member: RegistryMember) -> bytes:
    """The member's published délibérations as SCDL CSV; refused if it would not validate."""
    return _export(scdl_rows(member), SCDL_COLUMNS, SCDL_SCHEMA, _("export SCDL"))


def export_register(member: RegistryMember) -> bytes:
    return _export(register_rows(member), REGISTER_COLUMNS, REGISTER_SCHEMA, _("registre"))
