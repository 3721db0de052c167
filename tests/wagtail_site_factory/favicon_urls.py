"""The project's URLs with the `/favicon.ico` route the sites' icon needs (to be added to
mutualis/urls.py, before the members' sites)."""

from django.urls import path

from mutualis.urls import urlpatterns as project
from wagtail_site_factory.views import favicon

urlpatterns = [path("favicon.ico", favicon, name="favicon"), *project]
