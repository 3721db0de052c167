"""The syndicate's administrators: Django superusers, who get their first password (and a new
one when it is lost) through a single-use link, as directory accounts do: no password is ever
printed, logged or stored in clear.

The link is Django's password-reset token: it stops working once used (the token covers the
password hash and the last login) or after PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mutualis.links import app_url


def issue_admin_link(username: str, email: str = "") -> tuple[str, bool]:
    """A single-use link for the syndicate admin `username` to choose a password, creating the
    account (a superuser with no usable password) when it does not exist; returns the link and
    whether the account was created."""
    users = get_user_model()
    user, created = users.objects.get_or_create(
        username=username, defaults={"email": email, "is_staff": True, "is_superuser": True})
    if created:
        user.set_unusable_password()
        user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return app_url(reverse("portal:admin-password", args=[uid, token])), created
