"""The DGFiP's signature policy for Hélios (« Politique de signature Hélios de la DGFiP »),
which a PES_Aller's XAdES-EPES signature names in SignaturePolicyIdentifier.

Where the values come from: the policy document published by the DGFiP on
collectivites-locales.gouv.fr (its URI below), and the values the tiers de télétransmission
S²LOW hands to its signing component for every PES (libriciel/s2low,
public.ssl/modules/helios/helios_batch_sign.php and helios_transac_show.php: identifier
urn:oid:1.2.250.1.131.1.5.18.21.1.7, SHA-256 digest of the document, role « Ordonnateur »,
format xades-env sha256). The previous version (…21.1.4, SHA-1 digest, published on
portail.dgfip.finances.gouv.fr) is what older signers still write: the verifier accepts
both, each with its own digest; we sign with the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass(frozen=True)
class Policy:
    identifier: str
    description: str
    digest_method: str  # an XML-DSig digest algorithm URI
    digest: str  # base64
    uri: str  # SPURI: where the document is published


HELIOS = Policy(
    identifier="urn:oid:1.2.250.1.131.1.5.18.21.1.7",
    description="Politique de signature Helios de la DGFiP",
    digest_method=SHA256,
    digest="roF9+cfRHNPtVJolhdqfIqGMVuUXX8aR4rpiquf0u5E=",
    uri="https://www.collectivites-locales.gouv.fr/files/files/finances_locales/"
        "dematerialisation/ps_helios_dgfip.pdf")

HELIOS_PREVIOUS = Policy(
    identifier="urn:oid:1.2.250.1.131.1.5.18.21.1.4",
    description="Politique de signature Helios de la DGFiP",
    digest_method=SHA1,
    digest="Jkdb+aba0Hz6+ZPKmKNhPByzQ+Q=",
    uri="https://portail.dgfip.finances.gouv.fr/documents/PS_Helios_DGFiP.pdf")

KNOWN = {p.identifier: p for p in (HELIOS, HELIOS_PREVIOUS)}

# The role the signer claims: the ordonnateur (maire, président, or their délégué) orders
# the mandats and titres the comptable then pays and collects.
ORDONNATEUR = "Ordonnateur"
