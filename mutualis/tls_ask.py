"""The front's question before it gets a certificate: is this hostname a member's?

Caddy's on-demand TLS obtains a certificate at the first TLS handshake for a name, after it
asks the `ask` endpoint with `GET <ask>?domain=<name>`: a 200 answer allows it, any other status
refuses it (https://caddyserver.com/docs/caddyfile/options#on-demand-tls and
https://caddyserver.com/docs/automatic-https#on-demand-tls). A member who joins gets its
certificate without a change to the front's configuration, and a name nobody registered never
reaches the ACME server (its rate limits, a stranger's domain pointed at us).

The answer comes from the registry: the hostnames of the active members (provisioning/naming.py
made them), and those of the Wagtail sites, which the site driver names from the same.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from provisioning import naming


def registered(domain: str) -> bool:
    from wagtail.models import Site

    from provisioning.models import RegistryMember

    try:
        host = naming.hostname(domain)
    except Exception:  # not a name IDNA can encode: nobody's
        return False
    if not host or RegistryMember.objects.filter(hostname=host, active=False).exists():
        return False  # an archived member's site is unpublished: no new certificate
    return (RegistryMember.objects.filter(hostname=host, active=True).exists()
            or Site.objects.filter(hostname=host, is_default_site=False).exists())


@never_cache
@require_safe
def ask(request: HttpRequest) -> HttpResponse:
    domain = request.GET.get("domain", "")
    if not domain:
        return HttpResponse("Le paramètre « domain » manque.", status=400,
                            content_type="text/plain; charset=utf-8")
    if registered(domain):
        return HttpResponse("", status=200, content_type="text/plain; charset=utf-8")
    return HttpResponse("", status=404, content_type="text/plain; charset=utf-8")
