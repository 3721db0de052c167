from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from mutualis import conf, health, tls_ask
from mutualis.private_files import serve_media
from wagtail_site_factory.views import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("metrics", health.metrics, name="metrics"),
    path("tls/ask", tls_ask.ask, name="tls-ask"),  # the front's on-demand TLS question
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("ldap_sync.urls")),
    path("", include("portal.urls")),
    path("espace-elus/convocation/", include("convocation.link_urls")),
    path("espace-elus/parapheur/", include("signature.official_urls")),
    path("convocation/", include("convocation.legacy_urls")),  # moved to the admin
    path("parapheur/", include("signature.legacy_urls")),  # moved to /admin/parapheur/
    path("actes/", include("actes.public_urls")),
    path("actes/", include("actes.urls")),  # the old staff URLs, moved to /admin/actes/
    path("", include("grc.public_urls")),  # démarches and follow pages on the members' sites
]

if settings.DEBUG or conf.MUTUALIS_SERVE_MEDIA:
    # The demo and development serve public uploads (logos, images) themselves, never
    # sniffed nor run; production leaves /media/ to the web server in front. Private files
    # are not under MEDIA_ROOT.
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve_media))

urlpatterns.append(path("", include(wagtail_urls)))  # the members' sites: last, catches the rest
