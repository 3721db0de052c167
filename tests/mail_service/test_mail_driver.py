"""The mail driver through the engine, on the session's real slapd, Postfix and Dovecot: the
inventory provisions mail, then smtplib sends (authenticated) and imaplib reads it back.

The tests of this module run in order on one directory (each step changes the inventory of
the one before, as a syndicate would). The plans are scoped to this inventory's members, so
that the entries the other tests of the session write by hand are left alone.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
from dataclasses import dataclass

import dkim as dkimpy
import ldap
import pytest

from ldap_sync.driver import LdapDriver
from mail_service import dkim
from mail_service.driver import MailDriver
from provisioning.drivers import Scope
from provisioning.engine import apply_plan, make_plan
from provisioning.resources import DISABLED

from . import mail_inventory as M
from .test_dkim import raw_message
from .test_shared_mail import imap, message, subject_of, subjects, submit, wait_for

PASSWORD = "correct horse battery"
SCOPE = Scope(frozenset([M.CELLES, M.PERIGNE]))


@dataclass(frozen=True)
class Login:
    uid: str
    address: str
    password: str = PASSWORD


@pytest.fixture(scope="module")
def drivers(mail_slapd, mail_servers):
    ldap_driver = LdapDriver({**mail_slapd.settings(), "issue_tokens": False})
    mail = MailDriver({**mail_slapd.settings(),
                       "dovecot_dir": str(mail_servers.dovecot.directory),
                       "dkim_dir": str(mail_servers.dkim.directory)})
    yield [ldap_driver, mail]
    ldap_driver.close()
    mail.close()


def converge(inv, drivers) -> None:
    plan = make_plan(inv, drivers, SCOPE)
    result = apply_plan(plan, drivers, inventory=inv, allow_destroy=True,
                        replan=lambda: make_plan(inv, drivers, SCOPE))
    assert result.errors == {}
    assert result.pending_after == 0
    assert make_plan(inv, drivers, SCOPE).empty  # the second plan is empty


def set_passwords(slapd, *uids: str) -> None:
    conn = ldap.initialize(slapd.url)
    conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
    for uid in uids:
        conn.passwd_s(f"uid={uid},ou=people,{slapd.base_dn}", None, PASSWORD)
    conn.unbind_s()


def entry(slapd, dn: str) -> dict[str, list[str]]:
    conn = ldap.initialize(slapd.url)
    conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
    try:
        [(_, found)] = conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["*"])
    finally:
        conn.unbind_s()
    return {k: sorted(v.decode() for v in vs) for k, vs in found.items()}


HELENE = Login("htexier", "helene.texier@celles.test")
YANNICK = Login("ydaniau", "yannick.daniau@celles.test")
MC = Login("mclebihan", "marie-christine.le-bihan@celles.test")
LOIC = Login("lpairault", "loic.pairault@celles.test")
MURIELLE = Login("mchaumette", "murielle.chaumette@celles.test")
ELODIE = Login("ebillaud", "elodie.billaud@celles.test")
JF = Login("jfperonnet", "jean-francois.peronnet@perigne.mellois.test")
ISABELLE = Login("ibaudry", "isabelle.baudry@perigne.mellois.test")


def shared_subjects(servers, person, uid: str) -> list[tuple[str, str]]:
    """(subject, flags) of the shared mailbox `uid` as `person` sees it."""
    box = imap(servers, person)
    try:
        typ, why = box.select(f'"shared/{uid}/INBOX"')
        assert typ == "OK", (person.uid, typ, why)
        _, data = box.search(None, "ALL")
        found = []
        for num in data[0].split():
            _, parts = box.fetch(num, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            header = email.message_from_bytes(parts[0][1], policy=email.policy.default)
            found.append((str(header["Subject"]), parts[0][0].decode()))
        return found
    finally:
        box.logout()


def wait_shared(servers, person, uid, subject, timeout=20.0):
    import time
    deadline = time.monotonic() + timeout
    while True:
        found = shared_subjects(servers, person, uid)
        if any(s == subject for s, _ in found):
            return found
        assert time.monotonic() < deadline, (subject, found,
                                             servers.postfix.log.read_text()[-1500:])
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_01_the_inventory_provisions_mail_and_the_second_plan_is_empty(
        drivers, mail_slapd, mail_servers):
    converge(M.inventory(), drivers)
    base = mail_slapd.base_dn
    person = entry(mail_slapd, f"uid=mchaumette,ou=people,{base}")
    # One mailbox, an address per member, routed to the first member's; her contact
    # address (`mail`, the LDAP driver's) untouched.
    assert person["mailLocalAddress"] == ["murielle.chaumette@celles.test",
                                          "murielle.chaumette@perigne.mellois.test"]
    assert person["mailRoutingAddress"] == ["murielle.chaumette@celles.test"]
    assert person["mail"] == ["murielle.chaumette@example.test"]
    assert "mailQuota" not in person  # Périgné sets no quota: the most generous wins
    assert entry(mail_slapd, f"uid=mclebihan,ou=people,{base}")["mailQuota"] == ["1048576"]
    assert entry(mail_slapd, f"uid=htexier,ou=people,{base}")["mailQuota"] == ["102400"]
    branch = entry(mail_slapd, f"ou=79204,ou=members,{base}")
    assert branch["associatedDomain"] == ["perigne.mellois.test"]  # by default, IDNA-safe
    mairie = entry(mail_slapd, f"cn=79061-mail-mairie,ou=79061,ou=members,{base}")
    assert mairie["uid"] == ["shared-79061-mairie"]
    assert len(mairie["member"]) == 3  # the staff: Le Bihan, Pairault, Chaumette
    elus = entry(mail_slapd, f"cn=79061-elus,ou=79061,ou=members,{base}")
    assert elus["mailLocalAddress"] == ["elus@celles.test"]
    set_passwords(mail_slapd, *(p.uid for p in (HELENE, YANNICK, MC, LOIC, MURIELLE, JF,
                                                 ISABELLE)))


@pytest.mark.django_db(transaction=True)
def test_02_a_person_reads_their_mail(drivers, mail_servers):
    subject = subject_of("Convocation")
    submit(mail_servers, YANNICK, message(YANNICK.address, HELENE.address, subject))
    assert subject in wait_for(mail_servers, HELENE, subject)
    # Signed with the key the driver made for Celles' domain (and told OpenDKIM of).
    records = {r.name: r.value.encode() for r in dkim.dns_records(
        mail_servers.dkim.directory, "celles.test")}
    raw = raw_message(mail_servers, HELENE, subject)
    assert dkimpy.verify(raw, dnsfunc=lambda name, timeout=5: records.get(
        name.decode().rstrip(".")))
    # Her second address reaches the same mailbox.
    subject = subject_of("Périgné")
    submit(mail_servers, JF, message(JF.address, "murielle.chaumette@perigne.mellois.test",
                                     subject))
    assert subject in wait_for(mail_servers, MURIELLE, subject)


@pytest.mark.django_db(transaction=True)
def test_03_a_shared_mailbox_read_by_two_staff(drivers, mail_servers):
    subject = subject_of("Demande d'état civil")
    submit(mail_servers, HELENE, message(HELENE.address, "mairie@celles.test", subject))
    wait_shared(mail_servers, MC, "shared-79061-mairie", subject)
    box = imap(mail_servers, MC)
    try:
        box.select('"shared/shared-79061-mairie/INBOX"')
        _, data = box.search(None, "ALL")
        box.store(data[0].split()[-1], "+FLAGS", "\\Answered")
    finally:
        box.logout()
    seen = dict(shared_subjects(mail_servers, LOIC, "shared-79061-mairie"))
    assert "\\Answered" in seen[subject]  # one copy: the flag Le Bihan set, Pairault sees
    # An elected person is no reader.
    box = imap(mail_servers, HELENE)
    try:
        typ, _ = box.select('"shared/shared-79061-mairie/INBOX"')
        assert typ != "OK"
    finally:
        box.logout()


@pytest.mark.django_db(transaction=True)
def test_04_an_assembly_list_follows_its_members(drivers, mail_slapd, mail_servers):
    address = "commission-finances@celles.test"
    converge(M.inventory(celles_extra=(M.LOIC, M.MURIELLE_IN_CELLES, M.ELODIE)), drivers)
    set_passwords(mail_slapd, ELODIE.uid)
    subject = subject_of("Commission après une arrivée")
    submit(mail_servers, HELENE, message(HELENE.address, address, subject))
    assert subject in wait_for(mail_servers, ELODIE, subject)
    assert subject in wait_for(mail_servers, YANNICK, subject)
    # Daniau leaves the commission: the next message reaches Billaud, not him.
    converge(M.inventory(celles_extra=(M.LOIC, M.MURIELLE_IN_CELLES, M.ELODIE),
                         daniau_assemblies=""), drivers)
    subject = subject_of("Commission après un départ")
    submit(mail_servers, HELENE, message(HELENE.address, address, subject))
    assert subject in wait_for(mail_servers, ELODIE, subject)
    assert subject not in subjects(mail_servers, YANNICK)


@pytest.mark.django_db(transaction=True)
def test_05_a_person_who_leaves_bounces_or_forwards_and_comes_back(drivers, mail_slapd,
                                                                    mail_servers):
    inv = M.inventory(celles_extra=(M.MURIELLE_IN_CELLES, M.ELODIE), daniau_assemblies="",
                      perigne_extra=())
    plan = make_plan(inv, drivers, SCOPE)
    assert {c.key: c.action for c in plan.pending if c.backend == "mail"} == {
        "mail.mailbox:lpairault": "disable", "mail.mailbox:ibaudry": "disable",
        # Pairault read mairie@ and secretariat@ as staff: not any more.
        "mail.shared:79061/mairie": "update", "mail.shared:79061/secretariat": "update"}
    converge(inv, drivers)
    # Périgné refuses a leaver's mail, with a clear answer at once.
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        submit(mail_servers, JF, message(JF.address, ISABELLE.address, subject_of("Départ")))
    code, reply = refused.value.recipients[ISABELLE.address]
    assert code == 550 and b"User unknown" in reply
    # Celles forwards to mairie@ (the inventory says so); the mailbox is kept, not deleted.
    subject = subject_of("Pour Loïc")
    submit(mail_servers, HELENE, message(HELENE.address, LOIC.address, subject))
    wait_shared(mail_servers, MC, "shared-79061-mairie", subject)
    person = entry(mail_slapd, f"uid=ibaudry,ou=people,{mail_slapd.base_dn}")
    assert person["mailLocalAddress"] == [ISABELLE.address]
    observed = {o.key: o for o in drivers[1].observe(SCOPE)}
    assert observed["mail.mailbox:ibaudry"].state == DISABLED
    # Back in the inventory: the same address receives again.
    converge(M.inventory(celles_extra=(M.MURIELLE_IN_CELLES, M.ELODIE),
                         daniau_assemblies=""), drivers)
    set_passwords(mail_slapd, ISABELLE.uid)
    subject = subject_of("Retour")
    submit(mail_servers, JF, message(JF.address, ISABELLE.address, subject))
    assert subject in wait_for(mail_servers, ISABELLE, subject)


@pytest.mark.django_db(transaction=True)
def test_06_a_member_who_leaves_the_service_and_comes_back(drivers, mail_servers):
    after = {"celles_extra": (M.MURIELLE_IN_CELLES, M.ELODIE), "daniau_assemblies": ""}
    converge(M.inventory(perigne_services="extranet", **after), drivers)
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("habitant@example.org")
        code, _ = smtp.rcpt(JF.address)
    assert code >= 500  # not our domain any more
    # Murielle keeps her Celles address, and her mailbox.
    subject = subject_of("Toujours à Celles")
    submit(mail_servers, HELENE, message(HELENE.address, MURIELLE.address, subject))
    assert subject in wait_for(mail_servers, MURIELLE, subject)
    converge(M.inventory(**after), drivers)
    subject = subject_of("Périgné revient")
    submit(mail_servers, HELENE, message(HELENE.address, JF.address, subject))
    assert subject in wait_for(mail_servers, JF, subject)
