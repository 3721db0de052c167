"""Inventory limits: what Mutualis promises about an inventory file, however large or hostile.

1. Every text value of an inventory has a length limit in the published schema, no larger than
   what the backends it reaches keep. A value over it is refused at its line, in one sentence
   that says how long it is and what fits, never echoing the value whole.
2. YAML aliases cannot blow an inventory up: what aliases add is measured on the file as
   written, before anything is built, and refused past 100,000 values (or the file's own
   size, if larger), merge keys included; an alias inside its own anchor is refused. The
   refusal names the line of the alias that crossed the limit.
3. A file over 64 MiB is refused without being read whole.
4. Error sentences show typed values escaped (NUL, newlines, terminal escapes), on one line.

Aliases used the normal way (a list of services shared by members) stay accepted.
"""

from __future__ import annotations

import re
import tracemalloc

import pytest

from provisioning.loader import InventoryError, load_inventory, parse_inventory
from provisioning.loader.yaml_source import MAX_ALIAS_NODES, MAX_INVENTORY_BYTES
from provisioning.schema import INVENTORY_SCHEMA

from ..provisioning.test_inventory_errors import BASE, F


def strings_of(schema: dict, path: str = "") -> list[tuple[str, dict]]:
    """Every string-typed node of the schema, with where it is."""
    found = []
    if schema.get("type") == "string":
        found.append((path, schema))
    for key, value in schema.items():
        if isinstance(value, dict):
            found += strings_of(value, f"{path}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    found += strings_of(item, f"{path}/{key}/{i}")
    return found


def bounded_pattern(pattern: str) -> bool:
    """An anchored pattern with no unbounded repetition cannot match a long value."""
    return (pattern.startswith("^") and pattern.endswith("$")
            and not re.search(r"[*+]|\{\d+,\}", pattern))


def test_every_text_value_of_the_schema_has_a_length_limit():
    strings = strings_of(INVENTORY_SCHEMA)
    assert len(strings) > 30  # the walk reached members, people, assemblies and backends
    for path, node in strings:
        assert ("maxLength" in node or "enum" in node
                or bounded_pattern(node.get("pattern", ""))), f"{path} has no length limit"
        assert node.get("maxLength", 0) <= 65536, path


def refused(text: str) -> list[str]:
    with pytest.raises(InventoryError) as error:
        parse_inventory(text, F)
    return str(error.value).splitlines()


# (what, text in BASE, the replacement with {value}, its line, the field's limit)
FIELDS = [
    ("syndicate name", "name: Syndicat test", "name: {value}", 1, 200),
    ("member name", "    name: Melle\n", "    name: {value}\n", 7, 200),
    ("assembly slug", "{slug: commission-finances,", "{{slug: {value},", 11, 100),
    ("assembly name", "name: Commission des finances}", "name: {value}}}", 11, 200),
    ("given name", "given_name: Marie", "given_name: {value}", 14, 100),
    ("surname", "surname: Durand", "surname: {value}", 14, 100),
    ("email", "email: marie.durand@example.fr", "email: {value}@example.fr", 14, 254),
    ("role", "roles: [DGS]", "roles: [{value}]", 14, 100),
    ("title", "roles: [DGS]", "roles: [DGS], title: {value}", 14, 200),
    ("phone", "roles: [DGS]", "roles: [DGS], phone: {value}", 14, 40),
    ("civility", "roles: [DGS]", "roles: [DGS], civility: {value}", 14, 20),
    ("address", "    kind: epci\n", "    kind: epci\n    address: {value}\n", 18, 500),
    ("smtp host", "host: smtp.example.fr", "host: {value}", 4, 1000),
]


@pytest.mark.parametrize("what, old, new, line, limit", FIELDS, ids=[f[0] for f in FIELDS])
def test_a_value_over_its_limit_is_refused_at_its_line_in_one_short_sentence(
        what, old, new, line, limit):
    assert old in BASE, what
    at_limit = BASE.replace(old, new.format(value="a" * (limit - 11 if what == "email"
                                                         else limit)), 1)
    if what not in ("role", "civility", "member name"):  # checked further: not a role, a
        parse_inventory(at_limit, F)  # civility, the COG's name; else exactly the limit fits
    over = limit + 1 + (0 if what != "email" else -11)
    errors = refused(BASE.replace(old, new.format(value="a" * over), 1))
    assert errors[0].startswith(f"{F}:{line}: "), errors
    assert f"too long: {limit + 1:,} characters where at most {limit:,}" in errors[0], errors
    for error in errors:  # other sentences about the same value may follow, never echoing it
        assert error.startswith(f"{F}:{line}: ") and len(error) < 400, errors


def test_a_fifty_megabyte_title_is_refused_before_any_backend_sees_it():
    tracemalloc.start()
    errors = refused(BASE.replace("roles: [DGS]", "roles: [DGS], title: " + "x" * 50_000_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(errors) == 1 and errors[0].startswith(f"{F}:14: "), errors
    assert "title is too long: 50,000,000 characters where at most 200" in errors[0], errors
    assert peak < 20 * 50_000_000  # a few copies of the text, not an explosion


def test_the_billion_laughs_is_refused_naming_the_alias_that_crosses_the_limit():
    bomb = ("syndicate: {name: S, siren: \"200000000\", domain: example.fr}\n"
            'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
            "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
            "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
            "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
            "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
            "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
            "members: []\n")
    assert len(bomb) < 800  # nine lines, nine levels of nine: 387 million values expanded
    tracemalloc.start()
    errors = refused(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(errors) == 1 and errors[0].startswith(f"{F}:"), errors
    assert f"the aliases expand the inventory to more than {MAX_ALIAS_NODES:,} values" \
        in errors[0]
    line = int(errors[0].split(":")[1])
    assert bomb.splitlines()[line - 1][0] in "efghi"  # a line of the bomb, not line 1
    assert peak < 200 * 1024 * 1024


def test_merge_keys_count_as_what_they_copy():
    lines = ["syndicate: {name: S, siren: \"200000000\", domain: example.fr}",
             "k0: &k0 {" + ", ".join(f"f{i}: {i}" for i in range(40)) + "}"]
    for n in range(1, 6):
        lines.append(f"k{n}: &k{n} [" + ", ".join([f"{{<<: *k{n - 1}, z: 1}}"] * 40) + "]"
                     if n == 1 else
                     f"k{n}: &k{n} [" + ", ".join([f"*k{n - 1}"] * 40) + "]")
    lines.append("members: []")
    errors = refused("\n".join(lines) + "\n")
    assert len(errors) == 1 and "the aliases expand the inventory" in errors[0], errors


def test_an_alias_inside_its_own_anchor_is_refused():
    errors = refused('syndicate: {name: S, siren: "200000000", domain: example.fr}\n'
                     "loop: &loop [1, *loop]\nmembers: []\n")
    assert errors == [f"{F}:2: the alias *loop is used inside its own anchor &loop: an "
                      "inventory cannot hold itself, write the values out"], errors


def test_aliases_used_the_normal_way_stay_accepted():
    """A services list written once and shared: what aliases are for."""
    text = BASE.replace("services: [website, extranet, agenda, convocation]",
                        "services: &services [website, extranet, agenda, convocation]"
                        ).replace("services: [extranet, parapheur]", "services: *services")
    inventory = parse_inventory(text, F)
    services = {m.code: m.services for m in inventory.members}
    assert services["200069755"] == services["79174"] == (
        "website", "extranet", "agenda", "convocation")


def test_a_file_over_64_mib_is_refused_without_reading_it_whole(tmp_path):
    big = tmp_path / "inventory.yml"
    with open(big, "wb") as f:
        f.truncate(MAX_INVENTORY_BYTES + 4096)  # sparse: takes no disk
    tracemalloc.start()
    with pytest.raises(InventoryError) as error:
        load_inventory(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"the inventory is {MAX_INVENTORY_BYTES + 4096:,} bytes, more than the " \
        f"{MAX_INVENTORY_BYTES:,}" in str(error.value)
    assert peak < 2 * MAX_INVENTORY_BYTES + 1024 * 1024


@pytest.mark.parametrize("typed, shown", [("79\x00174", "79\\0174"), ("79\n174", "79\\n174"),
                                          ("79\x1b[2J174", "79\\x1b[2J174"),
                                          ("79\u202e174", "79\\u202e174")])
def test_typed_values_are_shown_escaped_on_one_line(typed, shown):
    escaped = typed.encode("unicode_escape").decode()  # the YAML double-quoted form
    errors = refused(BASE.replace('code: "79174"', f'code: "{escaped}"', 1))
    line = next(e for e in errors if "code" in e)
    assert shown in line and "\n" not in line and "\x00" not in line and "\x1b" not in line


def test_a_member_name_too_long_for_a_hostname_asks_for_a_website_instead_of_crashing():
    """EPCI names written out ("Communauté d'agglomération…") can pass the 63 characters a
    DNS label holds; the site's default hostname is made from the name."""
    long_name = ("Communauté d'agglomération de la Presqu'île de Guérande Atlantique "
                 "(Cap Atlantique)")
    text = BASE.replace('''    name: CC Mellois en Poitou
    kind: epci
    services: [extranet, parapheur]
    people:
      - {given_name: Jean, surname: Dupont, email: jean.dupont@example.fr, roles: [président]}
''', f'''    name: {long_name}
    kind: epci
    services: [website]
''').replace('code: "200069755"', 'code: "244400610"')
    errors = refused(text)
    assert len(errors) == 1 and errors[0].startswith(f"{F}:16: member 244400610: "), errors
    assert "more than the 63 a DNS label holds: declare the member's website" in errors[0]
    fixed = text.replace("    services: [website]\n", "    website: cap-atlantique.fr\n"
                                                     "    services: [website]\n", 1)
    assert "cap-atlantique.fr" in {m.hostname for m in parse_inventory(fixed, F).members}
