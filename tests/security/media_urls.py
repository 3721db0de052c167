"""The project's URLs with /media/ served as the demo serves it (`mutualis demo` sets
MUTUALIS_SERVE_MEDIA; the tests' settings do not, so the route is added here)."""

from django.urls import re_path

from mutualis.private_files import serve_media
from mutualis.urls import urlpatterns as project_urlpatterns

urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve_media), *project_urlpatterns]
