"""Signing keys: PKCS#12 files stored encrypted at rest, and PKCS#11 tokens (smart cards,
HSMs)."""
