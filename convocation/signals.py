"""What convocation tells the apps that build on it, without importing them (the acts app
imports convocation, never the other way)."""

from django.dispatch import Signal

# A document of a sitting (the list of délibérations, the procès-verbal) is online on the
# member's website. Arguments: member, kind, title, url, sha256. The acts app writes it in
# the member's publication register; a receiver's exception reaches the sender.
document_published = Signal()
