"""Inventory mistakes: each gives one line, `FILE:LINE: where: sentence`, never a traceback.

Every case starts from BASE (a valid inventory), makes one mistake in it, and asserts the exact
error text. BASE's line numbers are in the comments on the right.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.drivers import ProvisioningError
from provisioning.loader import InventoryError, load_inventory, parse_inventory

BASE = """\
syndicate: {name: Syndicat test, siren: "200000000", domain: example.fr, sites_domain: localhost}
backends:
  ldap: {url: embedded, base_dn: "dc=example,dc=fr"}
  smtp: {host: smtp.example.fr, port: 587, user: mutualis, password: "${SMTP_PASSWORD}"}
members:
  - code: "79174"
    name: Melle
    kind: commune
    services: [website, extranet, agenda, convocation]
    assemblies:
      - {slug: commission-finances, name: Commission des finances}
    people:
      - {given_name: Jean, surname: Dupont, email: jean.dupont@example.fr, roles: [maire]}
      - {given_name: Marie, surname: Durand, email: marie.durand@example.fr, roles: [DGS]}
  - code: "200069755"
    name: CC Mellois en Poitou
    kind: epci
    services: [extranet, parapheur]
    people:
      - {given_name: Jean, surname: Dupont, email: jean.dupont@example.fr, roles: [président]}
  - code: "79204"
    name: Périgné
    kind: commune
    website: périgné.fr
    services: [website]
"""
# Lines:  1 syndicate, 3 ldap, 4 smtp, 6-14 Melle (13 Jean Dupont, 14 Marie Durand),
#        15-20 the EPCI (20 Jean Dupont again), 21-25 Périgné (24 website).

F = "inv.yml"
INDENTATION = ("the line is not valid YAML: its indentation does not match the lines above it "
               "(the keys of one mapping start in the same column, the items of a list under "
               "their key)")

# (id, [(text in BASE, replacement)], expected error text)
CASES = [
    ("unknown-top-level-key", [("members:", "member:")],
     f'{F}:5: inventory: unknown key "member" (did you mean "members"?)'),
    ("unknown-member-key", [("    services: [website]\n", "    servces: [website]\n")],
     f'{F}:25: member 79204: unknown key "servces" (did you mean "services"?)'),
    ("service-not-in-catalogue", [("[website, extranet, agenda, convocation]",
                                   "[website, extranet, agenda, convocations]")],
     f'{F}:9: member 79174: service "convocations" is not in the catalogue '
     '(did you mean "convocation"?)'),
    ("missing-dependency", [("[website, extranet, agenda, convocation]",
                             "[website, extranet, convocation]")],
     f'{F}:9: member 79174: service "convocation" needs "agenda", which this member does not '
     "subscribe to"),
    ("service-listed-twice", [("services: [website]", "services: [website, website]")],
     f'{F}:25: member 79204: service "website" is listed twice'),
    ("code-as-yaml-integer", [('code: "79204"', "code: 79204")],
     f'{F}:21: member 79204: code must be text in quotes: write code: "79204"'),
    ("code-malformed", [('code: "79204"', 'code: "7920"')],
     f'{F}:21: member 7920: code "7920" must be a 5-character INSEE code (commune) '
     "or a 9-digit SIREN (EPCI)"),
    ("insee-code-unknown", [('code: "79204"', 'code: "79999"')],
     f"{F}:21: member 79999: INSEE code 79999 is not a current commune in the COG"),
    ("former-commune-code", [('code: "79204"', 'code: "79279"'),
                             ("name: Périgné", "name: Saint-Martin-lès-Melle")],
     f"{F}:21: member 79279: INSEE code 79279 is Saint-Martin-lès-Melle, a former commune now "
     'part of Melle: use code "79174"'),
    ("name-does-not-match-code", [("name: Périgné", "name: Perignac")],
     f'{F}:22: member 79204: name "Perignac" does not match INSEE code 79204, '
     'which is "Périgné"'),
    ("epci-with-insee-code", [('code: "200069755"', 'code: "79122"')],
     f"{F}:15: member 79122: an EPCI is identified by its 9-digit SIREN, not a 5-character "
     "INSEE code (79122 is the commune of Fontenille-Saint-Martin-d'Entraigues)"),
    ("epci-siren-unknown", [('code: "200069755"', 'code: "200069756"')],
     f"{F}:15: member 200069756: SIREN 200069756 is not an EPCI in the COG"),
    ("commune-with-epci-siren", [('code: "79204"', 'code: "200000172"'),
                                 ("name: Périgné", "name: CC Faucigny - Glières")],
     f'{F}:21: member 200000172: 200000172 is the SIREN of the EPCI "CC Faucigny - Glières": '
     "write kind: epci"),
    ("commune-with-its-siren", [('code: "79204"', 'code: "217902048"')],
     f"{F}:21: member 217902048: a commune is identified by its INSEE code, not its SIREN: "
     'write code: "79204" (Périgné)'),
    ("unknown-kind", [("    kind: commune\n    website", "    kind: commun\n    website")],
     f'{F}:23: member 79204: kind "commun" is not a valid kind (did you mean "commune"?)'),
    ("duplicate-member", [('code: "79204"', 'code: "79174"'), ("name: Périgné", "name: Melle"),
                          ("website: périgné.fr", "website: melle.fr")],
     f"{F}:21: member 79174: this member is declared twice (first at line 6)"),
    ("duplicate-hostname", [("    services: [website, extranet, agenda, convocation]",
                             "    website: périgné.fr\n"
                             "    services: [website, extranet, agenda, convocation]")],
     f'{F}:25: member 79204: hostname "xn--prign-bsae.fr" is already used by member 79174 '
     "(line 9): set a different website for one of them"),
    ("website-is-a-url", [("website: périgné.fr", "website: https://périgné.fr/")],
     f'{F}:24: member 79204: website must be a hostname like melle.fr, not a URL: '
     '"https://périgné.fr/"'),
    ("website-not-a-hostname", [("website: périgné.fr", "website: mairie_périgné.fr")],
     f'{F}:24: member 79204: website "mairie_périgné.fr" is not a valid hostname: use letters '
     "(accents allowed), digits and hyphens between dots"),
    ("unknown-role", [("roles: [maire]", "roles: [mair]")],
     f'{F}:13: member 79174, person Jean Dupont: role "mair" is not a known role '
     '(did you mean "maire"?)'),
    ("role-of-the-wrong-kind", [("roles: [président]", "roles: [maire]")],
     f'{F}:20: member 200069755, person Jean Dupont: role "maire" does not exist in an EPCI '
     "(use one of: president, vice-president, conseiller-communautaire, dgs, "
     "secretaire-de-mairie, agent)"),
    ("no-role", [("roles: [DGS]", "roles: []")],
     f"{F}:14: member 79174, person Marie Durand: roles is empty: give at least one role"),
    ("unknown-assembly", [("roles: [DGS]}", "roles: [DGS], assemblies: [commision-finances]}")],
     f'{F}:14: member 79174, person Marie Durand: assembly "commision-finances" is not an '
     'assembly of this member (did you mean "commission-finances"?)'),
    ("assembly-redeclared", [("{slug: commission-finances, name: Commission des finances}",
                              "{slug: conseil-municipal, name: Conseil}")],
     f'{F}:11: member 79174: assembly "conseil-municipal" exists in every commune: do not '
     "declare it"),
    ("assembly-slug-invalid", [("slug: commission-finances", "slug: Commission Finances")],
     f'{F}:11: member 79174: slug "Commission Finances" is not valid: use lower-case letters, '
     'digits and single hyphens, e.g. "commission-finances"'),
    ("missing-person-key", [("{given_name: Marie, surname: Durand, ", "{given_name: Marie, ")],
     f'{F}:14: member 79174, person Marie: missing key "surname"'),
    ("invalid-email", [("marie.durand@example.fr", "marie.durand@example")],
     f'{F}:14: member 79174, person Marie Durand: email "marie.durand@example" is not a valid '
     "address"),
    ("one-email-two-names", [("{given_name: Jean, surname: Dupont, email: jean.dupont@example.fr,"
                              " roles: [président]}",
                              "{given_name: Jean, surname: Dupond, email: jean.dupont@example.fr,"
                              " roles: [président]}")],
     f'{F}:20: member 200069755, person Jean Dupond: jean.dupont@example.fr is also used at '
     'line 13 for "Jean Dupont": one person must have the same name everywhere'),
    ("person-twice-in-a-member", [("email: marie.durand@example.fr, roles: [DGS]",
                                   "email: Jean.Dupont@example.fr, roles: [DGS]"),
                                  ("given_name: Marie, surname: Durand",
                                   "given_name: Jean, surname: Dupont")],
     f"{F}:14: member 79174, person Jean Dupont: Jean.Dupont@example.fr is listed twice in "
     "this member (first at line 13)"),
    ("uid-invalid", [("roles: [DGS]}", "roles: [DGS], uid: M.Durand}")],
     f'{F}:14: member 79174, person Marie Durand: uid "M.Durand" is not valid: use 1 to 32 '
     'lower-case letters, digits, ".", "_" or "-", starting with a letter'),
    ("uid-duplicate", [("roles: [maire]}", "roles: [maire], uid: mdurand}"),
                       ("roles: [DGS]}", "roles: [DGS], uid: mdurand}")],
     f'{F}:14: person Marie Durand: uid "mdurand" is already given to jean.dupont@example.fr '
     "at line 13"),
    ("civility-invalid", [("roles: [maire]}", "roles: [maire], civility: Mlle}")],
     f'{F}:13: member 79174, person Jean Dupont: civility "Mlle" is not valid: write Mme or M. '
     "(Madame and Monsieur are accepted too)"),
    ("civility-differs-between-members", [("roles: [maire]}", "roles: [maire], civility: Mme}"),
                                          ("roles: [président]}",
                                           "roles: [président], civility: M.}")],
     f'{F}:20: member 200069755, person Jean Dupont: civility "M." differs from civility "Mme" '
     "given to the same person at line 13"),
    ("role-forms-disagree", [("roles: [maire]}", "roles: [maire, adjoint]}"),
                             ("roles: [président]}", "roles: [présidente]}")],
     f'{F}:20: member 200069755, person Jean Dupont: role "présidente" is written in the '
     'feminine and role "adjoint" (line 13) in the masculine: add civility: Mme or civility: '
     "M. to this person"),
    ("convocation-without-elected", [("roles: [maire]", "roles: [agent]")],
     f'{F}:9: member 79174: subscribes to "convocation" but has no elected person to convene'),
    ("clear-text-secret", [('password: "${SMTP_PASSWORD}"', "password: hunter2")],
     f"{F}:4: backends.smtp: password must be a ${{ENV_VAR}} reference or an Ansible Vault "
     "value, never clear text"),
    ("password-in-url", [("ldap: {url: embedded,", "ldap: {url: \"ldaps://admin:s3cret@ldap\",")],
     f"{F}:3: backends.ldap: the url holds a password: give it as a ${{ENV_VAR}} reference in "
     "the password key instead"),
    ("unquoted-env-reference", [('password: "${SMTP_PASSWORD}"', "password: ${SMTP_PASSWORD}")],
     f'{F}:4: the line is not valid YAML: inside {{ }} or [ ], write "${{VAR}}" references in '
     'quotes: write password: "${SMTP_PASSWORD}"'),
    ("vault-not-encrypted", [('password: "${SMTP_PASSWORD}"', "password: !vault hunter2")],
     f"{F}:4: backends.smtp: password is tagged !vault but is not an Ansible Vault value (it "
     "must start with $ANSIBLE_VAULT;)"),
    ("unknown-backend", [("  ldap: {url", "  ldpa: {url")],
     f'{F}:3: backends: unknown key "ldpa" (did you mean "ldap"?)'),
    ("people-without-value", [("    people:\n      - {given_name: Jean, surname: Dupont, email: "
                               "jean.dupont@example.fr, roles: [président]}\n", "    people:\n")],
     f"{F}:19: member 200069755: people has no value: write people: [] if there is none"),
    ("smtp-without-host", [("smtp: {host: smtp.example.fr, port", "smtp: {port")],
     f'{F}:4: backends.smtp: give the SMTP server as "host" (or url: embedded)'),
    ("siren-malformed", [('siren: "200000000"', 'siren: "20000000"')],
     f'{F}:1: syndicate: SIREN "20000000" must be 9 digits'),
    ("missing-domain", [(" domain: example.fr,", "")],
     f'{F}:1: syndicate: missing key "domain"'),
    ("population-not-a-number", [("    kind: commune\n    website",
                                  "    kind: commune\n    population: 932 habitants\n"
                                  "    website")],
     f"{F}:24: member 79204: population must be a whole number"),
    ("duplicate-yaml-key", [("    kind: commune\n    website",
                             "    kind: commune\n    name: Périgné\n    website")],
     f'{F}:24: member 79204: duplicate key "name" (first at line 22)'),
    # YAML syntax errors: what is wrong with the line, in plain words, at the line to fix.
    ("yaml-key-without-colon", [("    kind: epci\n", "    kind epci\n")],
     f'{F}:17: the line is not valid YAML: a "key: value" pair is missing its colon: write '
     "kind: epci"),
    ("yaml-unquoted-colon", [("name: CC Mellois en Poitou", "name: CC Mellois: en Poitou")],
     f'{F}:16: the line is not valid YAML: a value containing ": " must be in quotes: write '
     'name: "CC Mellois: en Poitou"'),
    ("yaml-tab", [("    kind: epci\n", "\tkind: epci\n")],
     f"{F}:17: the line is not valid YAML: it holds a tab character where YAML expects spaces: "
     "indent with spaces only"),
    ("yaml-indented-too-far", [("    kind: epci\n", "     kind: epci\n")],
     f"{F}:17: {INDENTATION}"),
    ("yaml-indented-too-little", [("    kind: epci\n", "   kind: epci\n")],
     f"{F}:17: {INDENTATION}"),
    ("yaml-list-item-out-of-place", [("      - {given_name: Marie", "     - {given_name: Marie")],
     f"{F}:14: {INDENTATION}"),
    ("yaml-unclosed-quote", [("name: Périgné", 'name: "Périgné')],
     f'{F}:22: the line is not valid YAML: the quote " opened here is never closed: end the '
     'value with "'),
    ("yaml-unclosed-bracket", [("    services: [website]\n", "    services: [website\n")],
     f'{F}:25: the line is not valid YAML: the "[" opened here is never closed: end the list '
     'with "]"'),
    ("yaml-unclosed-brace", [("roles: [maire]}", "roles: [maire]")],
     f'{F}:13: the line is not valid YAML: the "{{" opened here is never closed: end the '
     'mapping with "}"'),
    ("yaml-missing-comma", [("roles: [maire]}", "roles: [maire] title: Maire}")],
     f"{F}:13: the line is not valid YAML: inside {{ }} or [ ], separate the items with commas "
     'and put a value containing ":", "[" or "{" in quotes'),
    ("yaml-unknown-tag", [("name: Melle", "name: !commune Melle")],
     f'{F}:7: the line is not valid YAML: the tag "!commune" is unknown (the only tag an '
     "inventory uses is !vault)"),
    ("yaml-other", [("name: Melle", "name: Melle\n    &a &b x: 1")],
     f"{F}:8: the line is not valid YAML: check its indentation (spaces only), the colon after "
     "each key, and that every quote and bracket it opens is closed"),
    ("not-a-mapping", [(BASE, "- just\n- a list\n")],
     f"{F}:1: inventory: the file must be a mapping of keys to values"),
    ("empty-file", [(BASE, "# nothing yet\n")],
     f"{F}:1: inventory: the file is empty; an inventory needs at least syndicate and members"),
]


def mistake(replacements: list[tuple[str, str]]) -> str:
    text = BASE
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} must occur once in BASE"
        text = text.replace(old, new)
    return text


def test_base_is_valid():
    inventory = parse_inventory(BASE, F)
    assert [m.code for m in inventory.members] == ["79174", "200069755", "79204"]


@pytest.mark.parametrize("case_id, replacements, expected", CASES, ids=[c[0] for c in CASES])
def test_mistake(case_id, replacements, expected):
    with pytest.raises(InventoryError) as caught:
        parse_inventory(mistake(replacements), F)
    assert str(caught.value) == expected
    assert "Traceback" not in str(caught.value)
    assert [f"{F}:{line}: {message}" for line, message in caught.value.errors] == \
        expected.splitlines()


def test_enough_distinct_mistakes():
    assert len({c[0] for c in CASES}) == len(CASES) >= 20


def test_every_error_is_collected(tmp_path):
    """Several mistakes in one file: all are reported, in line order."""
    text = mistake([("[website, extranet, agenda, convocation]",
                     "[website, extranet, agenda, convocations]"),
                    ("roles: [président]", "roles: [maire]"),
                    ("name: Périgné", "name: Perignac")])
    path = tmp_path / "several.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert [line for line, _ in caught.value.errors] == [9, 20, 22]
    assert str(caught.value).splitlines()[0].startswith(f"{path}:9: member 79174: service")


def test_clear_text_secret_is_never_echoed():
    with pytest.raises(InventoryError) as caught:
        parse_inventory(mistake([('password: "${SMTP_PASSWORD}"',
                                  'password: "correct horse battery staple"')]), F)
    assert "correct horse" not in str(caught.value)
    assert "correct horse" not in repr(caught.value.errors)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yml"
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value) == f"{path}: cannot read the inventory: no such file"
    assert isinstance(caught.value, ProvisioningError)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes(BASE.encode("latin-1"))
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    first = BASE.index("é")  # everything before it is ASCII: the same offset in bytes
    assert str(caught.value) == f"{path}: cannot read the inventory: not UTF-8 text (byte {first})"


def test_explicit_uid_taken_in_registry():
    text = mistake([("roles: [DGS]}", "roles: [DGS], uid: jdupont}")])
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text, F, known_uids={"Jean.Dupont@example.fr": "jdupont"})
    assert str(caught.value) == (
        f'{F}:14: person Marie Durand: uid "jdupont" already belongs to jean.dupont@example.fr '
        "in the registry: choose another uid")


TOKENS = ["", "x", "1", "-", ":", "{", "}", "[", "]", "null", "~", "!vault", "&a", "*a",
          "<<: *a", "'", '"', "é", "\t", "  ", "- x", "true", "[]", "{}", "01001", "{a: 1}",
          "password: x", "uid: jdupont", "roles: [maire]", "kind: epci", "members:"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 10_000),
                          st.sampled_from(TOKENS)), min_size=1, max_size=4))
def test_any_damage_gives_errors_not_a_traceback(edits):
    """Lines deleted, duplicated, cut or with stray tokens: errors for people, or a valid file."""
    lines = BASE.splitlines()
    for op, a, b, token in edits:
        i = a % len(lines)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[b % len(lines)])
        elif op == 2:
            j = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:j] + token + lines[i][j:]
        else:
            j = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:j] + lines[i][j + 3:]
    try:
        parse_inventory("\n".join(lines) + "\n", F)
    except InventoryError as exc:
        assert exc.errors
        assert all(line.startswith(f"{F}:") for line in str(exc).splitlines())
