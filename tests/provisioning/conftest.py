import textwrap
from pathlib import Path

import pytest

SMALL_INVENTORY = """\
syndicate:
  name: Syndicat de test
  siren: "257900126"
  domain: example.fr
  sites_domain: localhost
members:
  - code: "79142"
    name: Juillé
    kind: commune
    services: [website, extranet, agenda, convocation]
    people:
      - {given_name: Jeanne, surname: Dupont, email: jeanne.dupont@example.fr, roles: [maire]}
      - {given_name: Jean, surname: Dupont, email: jean.dupont@example.fr,
         roles: [conseiller municipal]}
      - {given_name: Zoé, surname: "N'Diaye", email: zoe.ndiaye@example.fr,
         roles: [secrétaire de mairie]}
  - code: "79055"
    name: Brieuil-sur-Chizé
    kind: commune
    services: [website]
    people:
      - {given_name: Luc, surname: Moreau, email: luc.moreau@example.fr, roles: [maire]}
      - {given_name: Jeanne, surname: Dupont, email: jeanne.dupont@example.fr,
         roles: [conseiller municipal]}
"""


@pytest.fixture
def small_inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yml"
    path.write_text(textwrap.dedent(SMALL_INVENTORY))
    return path
