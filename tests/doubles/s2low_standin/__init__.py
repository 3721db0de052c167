"""A local stand-in for S²LOW, for tests and benchmarks (never installed). It is not S²LOW.

It answers the part of S²LOW's HTTP API the connector uses, the way S²LOW's scripts do
(libriciel/s2low, public.ssl/modules/actes/…), and plays the prefecture behind it:

- accepts an archive (actes_transac_submit.php) or form fields (actes_transac_create.php),
  checks what S²LOW checks (archive name, act number, future decision date, typology,
  number already used) and validates the archive with our validator, answering "KO" and
  the reason like S²LOW does;
- moves each transaction through S²LOW's statuses 1 Posté -> 2 En attente de
  transmission -> 3 Transmis -> 4 Acquittement reçu, one step per status call (S²LOW's
  workers do it asynchronously: antivirus, sending, reception of the ARActe) or on
  request; at 4 it holds an ARActe whose IDActe is built as @ctes builds it;
- serves the classification (RetourClassification), the ARActe, the list of the
  prefecture's messages and their archives;
- the Hélios module (helios.py): PES_Aller posted, checked, transmitted, acquitted or refused
  by the DGFiP (after a delay or on request), the PES_Retour it sends back;
- on request emits a later prefecture message (courrier simple, demande de pièces,
  lettre d'observations, déféré), an AnomalieActe (status -1), or HTTP faults.

Run it: python -m tests.doubles.s2low_standin --port 8765 [--login L --password P]
        [--tls-cert server.pem --tls-key server.key --client-ca ca.pem]
Control (ours, not S²LOW's): POST /_standin/advance?transaction=ID[&to=N],
/_standin/emit?transaction=ID&kind=lettre_observations[&text=…],
/_standin/anomaly?transaction=ID[&code=…&detail=…], /_standin/fail?count=N[&status=503];
GET /_standin/transactions.
"""

from .server import StandIn, main

# The single module's other names, still importable from here.
from .state import Collectivite as Collectivite
from .state import StandInState as StandInState
from .state import Transaction as Transaction

__all__ = ["StandIn", "main"]
