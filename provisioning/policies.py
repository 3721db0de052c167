"""Wagtail permission policies over the registry's rule (`provisioning.access`): the staff of a
member act on its objects, and only on them.

Wagtail asks a policy about a user; here the answer also depends on the host the admin is
opened on (staff of two members act, on each member's host, for that member only). So a
policy is declared once per model and bound to each request (`for_request`): the bound copy
answers for that request's user on that host, and an unbound policy, or another user, is
refused everything. Each app says which members a request acts for (`members_here`, its own
access helper) and how its model reaches a member (`member_field`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from wagtail.permission_policies.base import BasePermissionPolicy

from . import people
from .access import is_staff

# What staff do in the apps' admin pages; every action is the host's staff's.
ACTIONS = frozenset({"view", "add", "change", "delete"})


class HostMemberPermissionPolicy(BasePermissionPolicy):
    member_field = "member"  # the lookup from the model to its RegistryMember

    def __init__(self, model, request: HttpRequest | None = None):
        super().__init__(model)
        self.request = request

    def for_request(self, request: HttpRequest) -> HostMemberPermissionPolicy:
        """This policy, answering for the request's user on the request's host; one per
        request (the menu, the search areas and the view ask it in turn)."""
        bound = request.__dict__.setdefault("_mutualis_policies", {})
        key = (type(self), self._model_or_name)
        if key not in bound:
            bound[key] = type(self)(self._model_or_name, request)
        return bound[key]

    def members_here(self, request: HttpRequest):
        """The members the request's user acts for on its host (an app's access helper)."""
        raise NotImplementedError

    @cached_property
    def members(self):
        """A queryset or a list, as the app's helper gives it (never all members loaded)."""
        return [] if self.request is None else self.members_here(self.request)

    @cached_property
    def has_members(self) -> bool:
        found = self.members
        return found.exists() if isinstance(found, QuerySet) else bool(found)

    def answers_for(self, user) -> bool:
        """The policy speaks for its request's user only."""
        mine = getattr(self.request, "user", None)
        return mine is not None and user is not None and user.is_authenticated and (
            user is mine or user.pk == mine.pk)

    def user_has_permission(self, user, action: str) -> bool:
        return action in ACTIONS and self.answers_for(user) and self.has_members

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet:
        objects = self.model._default_manager
        if not self.user_has_any_permission(user, actions):
            return objects.none()
        return objects.filter(**{f"{self.member_field}__in": self.members})

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        return self.instances_user_has_permission_for(user, action).filter(
            pk=instance.pk).exists()

    def users_with_any_permission(self, actions) -> QuerySet:
        """The members' staff (by the registry's rule) and the syndicate's superusers."""
        users = get_user_model().objects.filter(is_active=True)
        if not set(actions) & ACTIONS or not self.has_members:
            return users.none()
        uids = {seat.person.uid for member in self.members
                for seat in people.member_seats(member) if is_staff(seat.roles)}
        return users.filter(Q(username__in=uids) | Q(is_superuser=True))
