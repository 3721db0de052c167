"""The file policy of Wagtail's document view; every other page's policy is django-csp's.

django-csp (settings.CONTENT_SECURITY_POLICY) gives every page Mutualis renders itself a
same-origin policy, and leaves the Wagtail and Django admin interfaces to their own headers
(they still carry inline code). A response that already has a policy keeps it: the private
files (mutualis/private_files.py) set their sandbox or PDF policy themselves. Wagtail's
document serve view is not ours to decorate, so this middleware, placed after django-csp's,
gives its responses the same file policy as a private file.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

DOCUMENT_VIEW = "wagtaildocs_serve"  # Wagtail's document serve view: uploaded files, never run


def file_policy(response: HttpResponse) -> str:
    from .private_files import INLINE_PDF, SANDBOX

    return INLINE_PDF if response.get("Content-Type", "").startswith("application/pdf") \
        else SANDBOX


class DocumentFilePolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request.resolver_match, "url_name", None) == DOCUMENT_VIEW:
            response["Content-Security-Policy"] = file_policy(response)
            response["X-Content-Type-Options"] = "nosniff"
        return response
