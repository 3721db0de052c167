"""An inventory like the example's, with shared mail: two communes, one person in both."""
# ruff: noqa: E501 (the inventory is YAML, a person a line as in the example)

from __future__ import annotations

import dataclasses

from provisioning.loader import parse_inventory

CELLES, PERIGNE = "79061", "79204"
CELLES_DOMAIN = "celles.test"  # declared
PERIGNE_DOMAIN = "perigne.mellois.test"  # by default: <slug>.<syndicate mail_domain>

TEMPLATE = """\
syndicate:
  name: Syndicat mixte Pays Mellois Numérique
  siren: "257900126"
  domain: paysmellois.test
  mail_domain: mellois.test
members:
  - code: "79061"
    name: Celles-sur-Belle
    kind: commune
    services: [{celles_services}]
    assemblies:
      - {{slug: commission-finances, name: Commission des finances}}
    mail:
      domain: {celles_domain}
      quota: 100 MB
      leavers: forward
    people:
      - {{given_name: Hélène, surname: Texier, email: helene.texier@example.test, roles: [maire]}}
      - {{given_name: Yannick, surname: Daniau, email: yannick.daniau@example.test, roles: [adjoint], assemblies: [{daniau_assemblies}]}}
      - {{given_name: Marie-Christine, surname: Le Bihan, email: mc.lebihan@example.test, roles: [dgs], mail_quota: 1 GB}}
{celles_extra}
  - code: "79204"
    name: Périgné
    kind: commune
    services: [{perigne_services}]
{perigne_mail}
    people:
      - {{given_name: Jean-François, surname: Péronnet, email: jf.peronnet@example.test, roles: [maire]}}
      - {{given_name: Murielle, surname: Chaumette, email: murielle.chaumette@example.test, roles: [secrétaire de mairie]}}
{perigne_extra}
"""

LOIC = ("      - {given_name: Loïc, surname: Pairault, email: loic.pairault@example.test, "
        "roles: [agent]}")
MURIELLE_IN_CELLES = ("      - {given_name: Murielle, surname: Chaumette, "
                      "email: murielle.chaumette@example.test, roles: [agent]}")
ELODIE = ("      - {given_name: Élodie, surname: Billaud, email: elodie.billaud@example.test, "
          "roles: [conseillère municipale], assemblies: [commission-finances]}")
ISABELLE = ("      - {given_name: Isabelle, surname: Baudry, email: isabelle.baudry@example.test, "
            "roles: [conseillère municipale]}")


def text(*, celles_services="extranet, messagerie", celles_domain=CELLES_DOMAIN,
         daniau_assemblies="commission-finances", celles_extra=(LOIC, MURIELLE_IN_CELLES),
         perigne_services="extranet, messagerie", perigne_mail="", perigne_extra=(ISABELLE,)):
    return TEMPLATE.format(
        celles_services=celles_services, celles_domain=celles_domain,
        daniau_assemblies=daniau_assemblies, celles_extra="\n".join(celles_extra),
        perigne_services=perigne_services, perigne_mail=perigne_mail,
        perigne_extra="\n".join(perigne_extra))


def inventory(**changes):
    # No file behind it: the engine's journal records no digest.
    return dataclasses.replace(parse_inventory(text(**changes), "mail.yml"), path="")
