"""A local stand-in for Chorus Pro behind PISTE, for tests and benchmarks (never installed).
It is not Chorus Pro.

It answers the part of the API the connector (courrier/chorus.py) uses, as the real one
does; where each behaviour comes from is said beside it (server.py):

- PISTE's OAuth2 token endpoint, client credentials (grant_type, client_id, client_secret,
  scope=openid) -> a Bearer token with its lifetime; every API call wants it, and the
  Chorus Pro technical account in the `cpro-account` header (base64 of login:password);
- factures/v1/rechercher/recipiendaire: the invoices received by the account's structure,
  filtered (downloaded or not, current statuses), paged; codeRetour 20000 when none;
- factures/v1/telecharger/groupe: one invoice's PDF, base64 in `fichierResultat`; marks it
  downloaded by the recipient;
- factures/v1/traiter/recue: a new status for a received invoice (motif, mandat number),
  refused when the status is not one a recipient may give, when its reason is missing, or
  once the invoice is final;
- factures/v1/consulter/historique: the statuses an invoice went through.

Control (ours, not Chorus Pro's): POST /_standin/deposit (a supplier deposits an invoice for
a structure), GET /_standin/invoices, POST /_standin/fail?count=N[&status=503].
"""

from .server import ChorusStandIn

__all__ = ["ChorusStandIn"]
