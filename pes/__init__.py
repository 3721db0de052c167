"""PES v2 flux (mandats and titres for the Trésor public) read, shown and signed in XAdES
through the parapheur.

A package of its own rather than more of `signature/`: the parapheur signs PDFs in PAdES with
pyHanko, while a PES_Aller is XML signed in XAdES-EPES (XML-DSig, `signxml`, `xmlsec1`), with
its own reading (EnTetePES, bordereaux, pièces, PES_PJ), the DGFiP's signature policy and its
own verifier. It plugs into the parapheur through `signature.extensions` (a folder of a PES
flux is signed by `pes.signing`, its bordereaux shown on the folder's page) and keeps the
folders, circuits, keys and audit trail of `signature/`.

The pieces: `flux` (reading a PES_Aller), `policy` (the Hélios signature policy),
`xades` (the XAdES-EPES signer, signxml extended), `certificates` (refusing an expired or
revoked certificate), `verify` (our verifier and xmlsec1's), `services` (what other code
calls: submitting a flux, the signed bytes for the transmission).
"""
