"""The parapheur: circuits, PAdES signatures, verification and proof."""
