"""`mutualis actes-…`: import, export, verify; errors in sentences and exit code 1."""

from __future__ import annotations

import csv
import io
from datetime import date

from actes import services
from actes.models import RegisterEntry
from mutualis.cli import main

from .classification import classification_xml
from .test_acts import record


def test_import_export_and_verify_from_the_command_line(commune, tmp_path, capsysbinary):
    def output() -> tuple[str, str]:
        captured = capsysbinary.readouterr()
        return captured.out.decode(), captured.err.decode()

    path = tmp_path / "classification.xml"
    path.write_bytes(classification_xml(version=date(2026, 9, 1)))
    assert main(["actes-classification", commune.code, str(path)]) == 0
    assert "classification of 2026-09-01" in output()[0]
    services.publish(record(commune))
    output()
    assert main(["actes-export", commune.code]) == 0
    table = list(csv.DictReader(io.StringIO(output()[0])))
    assert [row["DELIB_ID"] for row in table] == ["2026_001"]
    assert main(["actes-verify", commune.code]) == 0
    assert "the publication register holds" in output()[0]
    RegisterEntry.objects.update(sha256="0" * 64)
    assert main(["actes-verify", commune.code]) == 1
    assert "error: acte n° 2026_001 : le texte ne correspond plus" in output()[1]


def test_a_bad_file_is_one_sentence_and_exit_code_1(commune, tmp_path, capsys):
    path = tmp_path / "classification.xml"
    path.write_bytes(b"<pas du xml")
    assert main(["actes-classification", commune.code, str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: fichier de classification") and "Traceback" not in err
    assert main(["actes-export", "99999"]) == 1
    assert "no member with code 99999" in capsys.readouterr().err
