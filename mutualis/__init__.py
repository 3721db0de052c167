"""Mutualis: the Django project, the Celery app and the `mutualis` command line."""

from .celery import app as celery_app

__all__ = ["celery_app"]
