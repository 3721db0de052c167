"""The timestamp authority the parapheur uses: MUTUALIS_TSA_URL when it is set, else the demo's
embedded one when `mutualis services start` runs it (the "tsa" service of var/services.json),
whose demo root then joins the trust anchors so that demo signatures and timestamps verify."""

from __future__ import annotations

from mutualis import conf
from provisioning.backends import embedded_services


def embedded_authority() -> dict | None:
    """The embedded authority's record ({"url", "ca_certificate", ...}) when it is the one in
    use: no MUTUALIS_TSA_URL, and a "tsa" service recorded."""
    if conf.MUTUALIS_TSA_URL:
        return None
    recorded = embedded_services().get("tsa")
    return recorded if recorded and recorded.get("url") else None


def tsa_url() -> str:
    """The timestamp authority's URL, or "" when there is none."""
    configured = conf.MUTUALIS_TSA_URL or ""
    return configured or (embedded_authority() or {}).get("url", "")


def embedded_trust_roots() -> list[str]:
    """The demo root's PEM file when the embedded authority is in use."""
    recorded = embedded_authority()
    return [recorded["ca_certificate"]] if recorded and recorded.get("ca_certificate") else []
