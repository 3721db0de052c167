"""The mail driver's faults: the directory stopped in the middle of an apply, and the
inventory's mistakes, each one sentence with its file and line."""

from __future__ import annotations

import pytest

from ldap_sync.driver import LdapDriver
from ldap_sync.server import start_slapd
from mail_service.driver import MailDriver
from provisioning.drivers import Context, ProvisioningError
from provisioning.engine import apply_plan, make_plan
from provisioning.loader import InventoryError, parse_inventory

from . import mail_inventory as M


@pytest.fixture
def slapd(tmp_path):
    server = start_slapd(tmp_path / "ldap")
    yield server
    server.stop()


class Stopping(MailDriver):
    """Stops the directory after `after` changes of this apply."""

    after = 5

    def run(self, c):
        self.done = getattr(self, "done", 0) + 1
        if self.done == self.after:
            self.slapd.stop()
        return super().run(c)


@pytest.mark.django_db(transaction=True)
def test_slapd_stopped_mid_apply_fails_those_changes_cleanly_and_a_rerun_converges(slapd):
    inv = M.inventory()
    ldap_driver = LdapDriver({**slapd.settings(), "issue_tokens": False})
    mail = Stopping(slapd.settings())
    mail.slapd = slapd
    try:
        plan = make_plan(inv, [ldap_driver, mail])
        ldap_changes = [c for c in plan.pending if c.backend == "ldap"]
        assert all(o.ok for o in ldap_driver.apply(ldap_changes))
        mail_changes = [c for c in plan.pending if c.backend == "mail"]
        outcomes = mail.apply(mail_changes)
        failed = [o for o in outcomes if not o.ok]
        assert 0 < len(failed) < len(outcomes)
        assert all(o.transient for o in failed)  # the engine would retry them
        for o in failed:
            assert o.error.startswith(o.key + ": ")
            assert "directory" in o.error and "Traceback" not in o.error
        slapd.start()
        mail.after = 0  # stops nothing any more
        plan = make_plan(inv, [ldap_driver, mail])
        assert {c.backend for c in plan.pending} == {"mail"}
        assert len(plan.pending) == len(failed)  # exactly what failed is left to do
        result = apply_plan(plan, [ldap_driver, mail], inventory=inv, allow_destroy=True,
                            replan=lambda: make_plan(inv, [ldap_driver, mail]))
        assert result.errors == {} and result.pending_after == 0
    finally:
        ldap_driver.close()
        mail.close()


def errors_of(text: str) -> list[str]:
    with pytest.raises(InventoryError) as raised:
        parse_inventory(text, "mail.yml")
    return raised.value.lines


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_domain_another_member_uses():
    text = M.text(perigne_mail="    mail: {domain: celles.test}")
    [error] = errors_of(text)
    assert error == (f"mail.yml:{line_of(text, 'mail: {domain: celles.test}')}: member 79204: "
                     f'mail domain "celles.test" is already used by member 79061 (line '
                     f"{line_of(text, 'domain: celles.test')}): give one of them another "
                     "mail.domain")


def test_an_address_that_collides():
    text = M.text(perigne_mail="    mail: {lists: {elus: conseil-municipal}}")
    [error] = errors_of(text)
    assert error.startswith(f"mail.yml:{line_of(text, 'lists:')}: member 79204: ")
    assert error.endswith('address "elus@perigne.mellois.test" is already the list of the '
                          "elected (elus@): choose another local part")
    text = M.text(perigne_mail=(
        "    mail: {shared: {conseil-municipal: [jf.peronnet@example.test]}}"))
    [error] = errors_of(text)
    assert 'is already the list of assembly "conseil-municipal"' in error


def test_a_functional_address_naming_a_person_who_does_not_exist():
    text = M.text(perigne_mail="    mail:\n      shared:\n        accueil: [nobody@example.test]")
    [error] = errors_of(text)
    assert error == (f"mail.yml:{line_of(text, 'nobody@')}: member 79204: shared mailbox "
                     '"accueil@" names "nobody@example.test", who is not a person of this '
                     "member (give the email or uid of one of its people)")


def test_a_list_following_an_assembly_the_member_lacks():
    text = M.text(perigne_mail="    mail: {lists: {finances: commission-finances}}")
    [error] = errors_of(text)
    assert "follows assembly \"commission-finances\", which this member does not have" in error


def test_mail_settings_without_the_service():
    text = M.text(perigne_services="extranet", perigne_mail="    mail: {quota: 1 GB}")
    [error] = errors_of(text)
    assert error.startswith(f"mail.yml:{line_of(text, 'mail: {quota')}: member 79204: ")
    assert 'mail is declared but the member does not subscribe to "messagerie"' in error


def test_a_named_reader_and_quotas_are_resolved():
    inv = parse_inventory(M.text(perigne_mail=(
        "    mail:\n      quota: 500 MB\n      shared:\n"
        "        mairie: [jf.peronnet@example.test, murielle.chaumette@example.test]")),
        "mail.yml")
    perigne = inv.member(M.PERIGNE)
    assert dict(perigne.mail.shared)["mairie"] == ("jfperonnet", "mchaumette")
    assert dict(perigne.mail.shared)["secretariat"] == ("mchaumette",)  # the staff
    assert perigne.mail.quota_kb == 500 * 1024
    assert perigne.mail.domain == "perigne.mellois.test"


def test_a_quota_below_what_a_mailbox_holds_is_one_sentence_with_its_line(slapd, tmp_path):
    """The usage comes from the Maildir's file names (Dovecot writes each message's size in
    them), as Dovecot's count quota counts it; nothing is planned while it is wrong."""
    path = tmp_path / "mail.yml"
    path.write_text(M.text())
    inv = parse_inventory(path.read_text(), str(path))
    lines = path.read_text().splitlines()
    member_quota = lines.index("      quota: 100 MB") + 1
    own_quota = next(n for n, line in enumerate(lines, 1) if "mail_quota: 1 GB" in line)
    mail_root = tmp_path / "dovecot" / "mail"

    def holds(uid: str, mb: int) -> None:
        cur = mail_root / uid / "Maildir" / "cur"
        cur.mkdir(parents=True, exist_ok=True)
        size = mb * 1024 * 1024
        (cur / f"1796350368.M1P2.mail,S={size - 100},W={size}:2,S").write_bytes(b"")

    def plan_refusal() -> str:
        mail = MailDriver({**slapd.settings(), "dovecot_dir": str(tmp_path / "dovecot")})
        try:
            context = Context()
            mail.probe(context)
            with pytest.raises(ProvisioningError) as refused:
                mail.desired(inv, context)
            return str(refused.value)
        finally:
            mail.close()

    holds("htexier", 150)
    assert plan_refusal() == (
        f"{path}:{member_quota}: member 79061: the mailbox of Hélène Texier (htexier) holds "
        "150 MB, more than the quota of 100 MB: raise the quota, or have the mailbox emptied "
        "first (nothing was changed)")
    (mail_root / "htexier").rename(tmp_path / "emptied")
    holds("mclebihan", 1536)  # her own mail_quota, 1 GB, is the one named
    assert plan_refusal().startswith(
        f"{path}:{own_quota}: member 79061: the mailbox of Marie-Christine Le Bihan "
        "(mclebihan) holds 1.5 GB, more than the quota of 1.0 GB")
    holds("ydaniau", 99)  # below Celles' 100 MB: fine
    (mail_root / "mclebihan").rename(tmp_path / "emptied-too")
    mail = MailDriver({**slapd.settings(), "dovecot_dir": str(tmp_path / "dovecot")})
    context = Context()
    mail.probe(context)
    assert any(r.key == "mail.mailbox:ydaniau" for r in mail.desired(inv, context))
    mail.close()
