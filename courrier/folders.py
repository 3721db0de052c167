"""The watched folders: a directory per member under settings.MUTUALIS_COURRIER_WATCH_ROOT
(`<root>/<member code>/`, where a scanner or a copier drops its PDFs). Each PDF becomes an
item (a Factur-X one an invoice), OCR'd as an upload is, then moves to `traités/`; a file
that cannot be recorded moves to `refusés/` with a `<file>.motif.txt` beside it saying why,
and the reason in the register's refusals. Nothing is deleted. A file is recorded once: the
item keeps its SHA-256 as its source, so the same file dropped again (or left behind by a
crash) only moves to `traités/`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning import people

from . import natures as n
from . import ocr
from .models import Refusal
from .register import SYSTEM, Refused, log_step, record, recorded_from

log = logging.getLogger(__name__)

DONE, REFUSED = "traités", "refusés"
# A file younger than this may still be being written by the scanner: next run.
SETTLE_SECONDS = 10


def root() -> Path | None:
    value = conf.MUTUALIS_COURRIER_WATCH_ROOT
    return Path(value) if value else None


def folder_of(member) -> Path | None:
    base = root()
    return base / member.code if base else None


def _free_name(directory: Path, name: str) -> Path:
    """`name` in `directory`, or `name (2)`… when it is taken: nothing is overwritten."""
    target = directory / name
    stem, suffix, k = Path(name).stem, Path(name).suffix, 2
    while target.exists():
        target = directory / f"{stem} ({k}){suffix}"
        k += 1
    return target


def record_file(member, path: Path):
    """The item of one dropped file (the one already recorded from it, if any)."""
    from .invoices import has_einvoice_xml, record_einvoice

    content = path.read_bytes()
    source = "folder:" + hashlib.sha256(content).hexdigest()
    done = recorded_from(member, source)
    if done is not None:
        return done
    if not content.startswith(b"%PDF-"):
        raise Refused([_("« %(f)s » n'est pas un PDF : seuls les PDF sont pris dans le "
                         "dossier surveillé.") % {"f": path.name}])
    try:
        with transaction.atomic():
            if has_einvoice_xml(content):
                item = record_einvoice(member, path.name, content, SYSTEM, channel=n.FOLDER,
                                       source=source)
            else:
                item = record(member, subject=path.stem[:500] or path.name, channel=n.FOLDER,
                              files=[(path.name, content)], source=source)
            log_step(item, "received_from_folder", SYSTEM, file=path.name)
    except IntegrityError:
        done = recorded_from(member, source)
        if done is None:
            raise
        return done
    ocr.schedule(item)
    return item


def scan(member, settle: float = SETTLE_SECONDS) -> dict:
    """Every file waiting in the member's folder."""
    done = {"recorded": 0, "refused": 0}
    folder = folder_of(member)
    if folder is None:
        return done
    for sub in (folder / DONE, folder / REFUSED):
        sub.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or now - path.stat().st_mtime < settle:
            continue
        try:
            record_file(member, path)
        except Refused as exc:
            reason = " ; ".join(exc.messages)
            target = _free_name(folder / REFUSED, path.name)
            path.rename(target)
            target.with_name(target.name + ".motif.txt").write_text(reason + "\n")
            log.warning("courrier: %s left in %s: %s", path, target.parent, reason)
            Refusal.objects.create(member=member, channel=n.FOLDER, what=path.name[:500],
                                   where=str(target.parent)[:500], reason=reason)
            done["refused"] += 1
            continue
        path.rename(_free_name(folder / DONE, path.name))
        done["recorded"] += 1
    return done


def scan_all() -> dict:
    """Every member's folder; one that cannot be read (its rights, a full disk) is logged
    and counted, and the others' are scanned all the same."""
    total = {"members": 0, "recorded": 0, "refused": 0, "failed": 0}
    if root() is None:
        return total
    for member in people.subscribing(people.members(), "courrier"):
        total["members"] += 1
        try:
            done = scan(member)
        except OSError:
            log.exception("watched folder of %s not read", member.code)
            total["failed"] += 1
            continue
        total["recorded"] += done["recorded"]
        total["refused"] += done["refused"]
    return total
