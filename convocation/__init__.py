"""Electronic convocation of elected officials: sittings, dossiers, receipts, attendance,
proxies, quorum. The legal delay rules are in `convocation.rules`."""
