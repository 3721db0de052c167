"""Mail for Mutualis.

Today: the demo's embedded mail server (`server.py`: an SMTP server on loopback that delivers
every message into one Maildir, and a read-only web reader of that Maildir), the Django mail
backend that finds its server at connection time (`backend.py`), and functions that read the
demo's Maildir (`maildir.py`) for the tests and the browser journeys.

Later (issue 16): the mail driver proper — domains, mailboxes, shared mailboxes and lists on
Postfix and Dovecot reading the directory — which will also replace the embedded server.

Nothing here imports Django at import time except `backend.py`: the server process runs
without Django.
"""
