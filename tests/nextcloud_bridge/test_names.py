"""Mount points and group ids read back to the member and the folder they came from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nextcloud_bridge.names import (
    archived,
    group_code,
    mount_point,
    parse_mount_point,
    unarchived,
)


def test_mount_points_read_back():
    assert mount_point("79174", "Melle", "Conseil municipal", "conseil-municipal") == (
        "Conseil municipal — Melle (79174)")
    assert parse_mount_point("Conseil municipal — Melle (79174)") == (
        "79174", "conseil-municipal", False)
    custom = mount_point("200041762", "CC Mellois en Poitou", "Commission des finances",
                         "finances")
    assert custom == "Commission des finances [finances] — CC Mellois en Poitou (200041762)"
    assert parse_mount_point(archived(custom)) == ("200041762", "finances", True)
    assert parse_mount_point("Photos") is None
    assert parse_mount_point("Réunion — Melle (7917)") is None
    assert unarchived(archived("X")) == ("X", True)


def test_names_never_make_a_path():
    odd = mount_point("2A004", "Ajaccio", "../../etc/passwd", "../../etc")
    assert "/" not in odd and odd.startswith("..-..-etc-passwd [..%2F..%2Fetc]")
    assert parse_mount_point(odd) == ("2A004", "../../etc", False)
    assert parse_mount_point(mount_point("79174", "Melle", "A %2F B", "x%2Fy"))[1] == "x%2Fy"
    assert parse_mount_point(mount_point("79174", "Melle", "Bureau [b]", "bureau-b"))[1] == (
        "bureau-b")


def test_group_codes():
    assert group_code("79174-staff") == "79174"
    assert group_code("2a004-conseil-municipal") == "2A004"
    assert group_code("200041762-bureau") == "200041762"
    for gid in ("admin", "mutualis", "mutualis-service", "7917-x", "79174-", "abcde-staff"):
        assert group_code(gid) is None


codes = st.one_of(st.from_regex(r"\A[0-9]{5}\Z"), st.from_regex(r"\A2[AB][0-9]{3}\Z"),
                  st.from_regex(r"\A[0-9]{9}\Z"))
text = st.one_of(st.text(min_size=1, max_size=40),
                st.sampled_from(["A [b]", "Bureau [bureau]", "X — Y", "]", "[x] — (12345)"]),
                ).filter(lambda s: s.strip())


@given(codes, text, text, st.from_regex(r"\A[a-z0-9./%-]{1,20}\Z"), st.booleans())
def test_any_name_reads_back(code, member, label, slug, is_archived):
    name = mount_point(code, member, label, slug)
    assert "/" not in name and "\\" not in name
    assert parse_mount_point(archived(name) if is_archived else name) == (
        code, slug, is_archived)
