"""A Content-Security-Policy on every page Mutualis renders itself.

The sites, the convocation and parapheur pages and the activation page use no inline script or
style and nothing from another origin, so the policy allows only this origin. The Wagtail and
Django admin interfaces are left to their own headers: they still carry inline code.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
          "form-action 'self'; frame-ancestors 'self'")
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
DOCUMENT_VIEW = "wagtaildocs_serve"  # Wagtail's document serve view: uploaded files, never run


def file_policy(response: HttpResponse) -> str:
    from .private_files import INLINE_PDF, SANDBOX

    return INLINE_PDF if response.get("Content-Type", "").startswith("application/pdf") \
        else SANDBOX


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request.resolver_match, "url_name", None) == DOCUMENT_VIEW:
            response["Content-Security-Policy"] = file_policy(response)
            response["X-Content-Type-Options"] = "nosniff"
        elif not request.path.startswith(ADMIN_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
