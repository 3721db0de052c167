"""A small stateful emulator of the Nextcloud APIs the bridge uses (test infrastructure only).

It reproduces OCS v1/v2 envelopes, the provisioning API, the share API, the groupfolders
API, user_ldap's configuration API, capabilities and WebDAV files, each behaviour citing the
Nextcloud source it follows.
It is never presented as Nextcloud. See docs/nextcloud-emulator.md.
"""

from .faults import FaultConfig, FaultInjector, Stats
from .server import Emulator

__all__ = ["Emulator", "FaultConfig", "FaultInjector", "Stats"]
