"""The demo and development: the shared settings as they are, on the embedded defaults.

Unless the environment says otherwise: SQLite under var/, tasks run in the process, the
memory cache of each process, the development secret key, the embedded mail server.
"""

from .base import *  # noqa: F403
