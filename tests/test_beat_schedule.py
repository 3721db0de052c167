"""Celery beat's schedule (settings.CELERY_BEAT_SCHEDULE): every periodic job is named there,
each names a task the workers know, and each runs (eagerly, as in the tests' settings) with
nothing configured without failing. What each does once configured is tested beside its
function: tests/convocation/test_receipts.py, tests/actes/test_opendata_transmission.py,
tests/signature/test_renewal.py, tests/grc/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from mutualis.celery import app

PERIODIC = {"convocation.reminders", "actes.refresh", "signature.renew_archive_timestamps",
            "grc.reminders", "grc.retention", "ged.retention", "signature.certificates_daily",
            "actes.helios_refresh", "courrier.fetch_mail", "courrier.chorus_import",
            "courrier.watch_folders", "courrier.reminders"}


def test_beat_names_each_periodic_job_and_the_workers_know_it():
    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == PERIODIC
    assert scheduled <= set(app.tasks)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert isinstance(entry["schedule"], crontab), name
        # Each comes back at least once a day.
        assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1), name


@pytest.mark.django_db
def test_each_periodic_job_runs_with_nothing_configured(settings, capfd):
    settings.MUTUALIS_ACTES_TDT = None
    settings.MUTUALIS_TSA_URL = ""
    settings.MUTUALIS_CHORUS_PRO = None
    settings.MUTUALIS_COURRIER_WATCH_ROOT = ""
    app.loader.import_default_modules()
    results = {name: app.tasks[name].delay().get() for name in sorted(PERIODIC)}
    assert results == {"actes.refresh": 0, "convocation.reminders": 0,
                       "actes.helios_refresh": {"sent": 0, "changed": 0, "retours": 0},
                       "courrier.fetch_mail": {"members": 0, "recorded": 0, "refused": 0,
                                               "failed": 0},
                       "courrier.chorus_import": {"members": 0, "recorded": 0, "refused": 0,
                                                  "failed": 0, "statuses": {
                                                      "sent": 0, "failed": 0, "waiting": 0}},
                       "courrier.watch_folders": {"members": 0, "recorded": 0, "refused": 0,
                                                  "failed": 0},
                       "courrier.reminders": {"reminded": 0, "escalated": 0},
                       "grc.reminders": {"reminded": 0, "escalated": 0}, "grc.retention": 0,
                       "ged.retention": {"members": 0, "proposals": 0, "documents": 0},
                       "signature.renew_archive_timestamps": {
                           "checked": 0, "renewed": 0, "failed": 0},
                       "signature.certificates_daily": {"read": 0, "checked": 0, "reminded": 0}}
    said = capfd.readouterr().err  # Celery's logging writes to the process's stderr
    assert ("archive timestamps not renewed: renewing archive timestamps needs a timestamp "
            "authority: set MUTUALIS_TSA_URL") in said
