"""The mail servers' set-up refuses, with a sentence saying what to do, what would make
Postfix or Dovecot fail later in a way hard to read."""

from __future__ import annotations

import pytest

from mail_service import instance, postfix
from mail_service.directory import DirectoryAccess
from mail_service.instance import MailServerError, check_plain_path, check_reachable
from mail_service.tls import demo_certificate

ACCESS = DirectoryAccess("ldap://127.0.0.1:1", "dc=mutualis,dc=test",
                         "cn=mail-reader,dc=mutualis,dc=test", "secret")


def test_a_directory_the_config_files_would_misread_is_refused(tmp_path):
    with pytest.raises(MailServerError, match="must not contain spaces"):
        check_plain_path(tmp_path / "mon courrier")
    check_plain_path(tmp_path / "courrier")


def test_a_directory_the_mail_user_cannot_reach_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(instance, "is_root", lambda: True)  # as root, mail runs as `mail`
    closed = tmp_path / "closed"
    (closed / "mail").mkdir(parents=True)
    closed.chmod(0o700)
    with pytest.raises(MailServerError, match=f"{closed} \\(mode 700\\) does not let the "
                                              "system user mail reach"):
        check_reachable(closed / "mail", "mail")


def test_postfix_without_root_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(postfix, "is_root", lambda: False)
    tls = demo_certificate(tmp_path / "tls", "mail.mutualis.test")
    with pytest.raises(MailServerError, match="Postfix runs as root"):
        postfix.configure_postfix(tmp_path / "postfix", ACCESS, tls)
    assert not (tmp_path / "postfix").exists()


def test_a_missing_server_names_its_debian_package(monkeypatch):
    monkeypatch.setattr(instance, "SBIN_PATH", "/nonexistent")
    with pytest.raises(MailServerError, match="Debian package dovecot-core"):
        instance.binary("dovecot", "dovecot-core")
