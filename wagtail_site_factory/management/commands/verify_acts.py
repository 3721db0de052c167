"""Check that every published act's file still has the SHA-256 computed at its upload."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...integrity import file_sha256
from ...models import ActPage


class Command(BaseCommand):
    help = ("Recompute the SHA-256 of every published act's PDF and compare it with the one "
            "computed at upload (shown on the site).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--member", help="only this member's acts (its code)")

    def handle(self, *args, member: str | None = None, **options) -> None:
        acts = (ActPage.objects.live().filter(document__isnull=False)
                .select_related("document__integrity").order_by("path"))
        if member:
            acts = acts.filter(path__startswith=_root_path(member))
        checked, altered = 0, []
        for act in acts.iterator():
            integrity = getattr(act.document, "integrity", None)
            try:
                actual = file_sha256(act.document)
            except OSError as exc:
                altered.append(f"{act.url_path}: file unreadable ({exc})")
                continue
            checked += 1
            if integrity is None or integrity.sha256 != actual:
                altered.append(f"{act.url_path}: {act.document.file.name} does not match the "
                               "SHA-256 published with it")
        for line in altered:
            self.stderr.write(line)
        if altered:
            raise CommandError(f"{len(altered)} of {checked} acts fail their integrity check")
        self.stdout.write(f"{checked} acts checked: every file matches its published SHA-256")


def _root_path(code: str) -> str:
    from ...models import MemberSite

    member = MemberSite.objects.select_related("site__root_page").filter(code=code).first()
    if member is None or member.site is None:
        raise CommandError(f"member {code} has no site")
    return member.site.root_page.path
