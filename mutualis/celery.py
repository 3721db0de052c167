"""The Celery application.

By default tasks run eagerly in-process (the embedded default: no broker needed). Set
`CELERY_BROKER_URL` (e.g. redis://127.0.0.1:6379/0) to send them to real workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")

app = Celery("mutualis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
