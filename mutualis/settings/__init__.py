"""The settings modules: base (shared by all), dev (the demo, development), test (pytest) and
production.

`DJANGO_SETTINGS_MODULE=mutualis.settings`, the default of manage.py, the WSGI application,
Celery, the `mutualis` command line and the Ansible modules, is production when
MUTUALIS_HTTPS=1 and dev otherwise, as the one settings module was before the split. Naming a
module chooses it (pyproject names test for pytest). docs/settings.md lists the variables.
"""

import os

if os.environ.get("MUTUALIS_HTTPS") == "1":
    from .production import *  # noqa: F403
else:
    from .dev import *  # noqa: F403
