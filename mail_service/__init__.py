"""Mail for Mutualis.

Today: the demo's embedded mail server (`server.py`: an SMTP server on loopback that delivers
every message into one Maildir, and a read-only web reader of that Maildir), the Django mail
backend that finds its server at connection time (`backend.py`), and functions that read the
demo's Maildir (`maildir.py`) for the tests and the browser journeys.

Shared mail (issue 16): Postfix and Dovecot instances of our own reading the directory
(`servers.py`, `postfix.py`, `dovecot.py`, with `schema.py` for the attributes and why,
`directory.py` for the account they read with, `tls.py` for the demo certificate; see
docs/mail.md). Next: the mail driver that writes those attributes from the inventory, and
these servers replacing the embedded one on the demo.

Nothing here imports Django at import time except `backend.py`: the server process runs
without Django.
"""
