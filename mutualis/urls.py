from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from wagtail_site_factory.views import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("ldap_sync.urls")),
    path("", include("portal.urls")),
    path("convocation/", include("convocation.urls")),
    path("parapheur/", include("signature.urls")),
    path("actes/", include("actes.urls")),
]

if settings.DEBUG or getattr(settings, "MUTUALIS_SERVE_MEDIA", False):
    # The demo and development serve uploads (logos, images) themselves; production leaves
    # /media/ to the web server in front.
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve,
                               {"document_root": settings.MEDIA_ROOT}))

urlpatterns.append(path("", include(wagtail_urls)))  # the members' sites: last, catches the rest
