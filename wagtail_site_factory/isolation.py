"""The objects of each model a member's editor may see in the Wagtail admin, in one place.

`visible(model, user)` answers for every model the admin shows that belongs to a member (pages,
images, documents, collections, sites and what hangs on a site, users, groups, tags,
revisions, workflows, tasks and workflow states); None means no confinement (a superuser, or
a model that is no member's, left to Wagtail's own permissions). The middleware refuses URLs
naming an object outside it, and `install()` applies it where Wagtail offers no hook: bulk
actions, tag lists, the task chooser, the choices and references of admin forms.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from taggit.models import GenericTaggedItemBase, ItemBase, Tag, TagBase
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    Page,
    Revision,
    Site,
    Task,
    TaskState,
    Workflow,
    WorkflowState,
    WorkflowTask,
)

from .tenancy import EditorScope, scope_for_user

_installed = False


def colleagues(scope: EditorScope, user) -> QuerySet:
    """The user and the editors of the same members (their groups are the members' editors'
    groups)."""
    return get_user_model().objects.filter(
        Q(pk=user.pk) | Q(groups__in=_editor_groups(scope))).distinct()


def _editor_groups(scope: EditorScope) -> QuerySet:
    from .models import MemberSite

    return MemberSite.objects.filter(code__in=scope.codes, group__isnull=False).values("group")


def visible(model: type[Model], user) -> QuerySet | None:
    """The objects of `model` that `user` may see; None when no confinement applies."""
    scope = scope_for_user(user)
    if scope is None or model is None:
        return None
    objects = model._default_manager.all()
    if issubclass(model, Page):
        return objects.filter(scope.pages_q())
    if model in (get_image_model(), get_document_model()):
        return objects.filter(collection__in=_collection_ids(scope))
    if issubclass(model, Collection):
        return objects.filter(scope.collections_q(prefix=""))
    if issubclass(model, Site):
        return objects.filter(pk__in=scope.site_ids)
    if _site_field(model):  # alerts, site settings
        return objects.filter(site_id__in=scope.site_ids)
    if model is get_user_model():
        return objects.filter(pk__in=colleagues(scope, user).values("pk"))
    if issubclass(model, Group):
        prefixes = Q(pk__in=[])
        for code in scope.codes:
            prefixes |= Q(name__istartswith=f"{code}-")
        return objects.filter(prefixes)
    if issubclass(model, TagBase):
        return _visible_tags(model, user)
    if issubclass(model, (Revision, WorkflowState)):
        pages = visible(Page, user).values_list("pk", flat=True)
        return objects.filter(base_content_type=ContentType.objects.get_for_model(Page),
                              object_id__in=[str(pk) for pk in pages])
    if issubclass(model, TaskState):
        return objects.filter(workflow_state__in=visible(WorkflowState, user))
    if issubclass(model, Workflow):
        return objects.filter(_workflows_q(scope))
    if issubclass(model, Task):
        # A task named after a member ("Relecture Bravoville") is shown only to the editors
        # of a site its workflows apply to.
        workflows = Workflow.objects.filter(_workflows_q(scope))
        return objects.filter(pk__in=WorkflowTask.objects.filter(workflow__in=workflows)
                              .values("task_id"))
    return None


def _workflows_q(scope: EditorScope) -> Q:
    """Workflows that apply to the editor's pages: set on one of them, or inherited from an
    ancestor of their home pages (the root's), and those of snippet types (every member's)."""
    steps = Page.steplen
    ancestors = {root[:i] for root in scope.page_paths for i in range(steps, len(root), steps)}
    q = Q(workflow_content_types__isnull=False)
    if ancestors:
        q |= Q(workflow_pages__page__path__in=ancestors)
    for root in scope.page_paths:
        q |= Q(workflow_pages__page__path__startswith=root)
    return Q(pk__in=Workflow.objects.filter(q).values("pk"))


def may_see(user, model: type[Model], pk) -> bool:
    objects = visible(model, user)
    if objects is None:
        return True
    try:
        return objects.filter(pk=pk).exists()
    except (TypeError, ValueError):
        return False


def _collection_ids(scope: EditorScope) -> list[int]:
    # By ids: the search backends filter on indexed fields only (`collection`, not its path).
    return list(Collection.objects.filter(scope.collections_q(prefix=""))
                .values_list("pk", flat=True))


def _site_field(model: type[Model]) -> bool:
    field = next((f for f in model._meta.fields if f.name == "site"), None)
    return field is not None and field.related_model is Site


# ------------------------------------------------------------------------------ tags

def _visible_tags(tag_model: type[TagBase], user) -> QuerySet:
    """Tags used on objects the user may see: a tag of another member's image is not theirs."""
    used = Q(pk__in=[])
    for rel in tag_model._meta.related_objects:
        through = rel.related_model
        if not (issubclass(through, ItemBase) and rel.field.name == "tag"):
            continue
        if issubclass(through, GenericTaggedItemBase):
            for ct_id in through.objects.values_list("content_type_id", flat=True).distinct():
                objects = visible(ContentType.objects.get_for_id(ct_id).model_class(), user)
                if objects is not None:
                    used |= Q(pk__in=through.objects.filter(
                        content_type_id=ct_id, object_id__in=objects.values("pk"))
                        .values("tag_id"))
        else:
            objects = visible(through._meta.get_field("content_object").related_model, user)
            if objects is not None:
                used |= Q(pk__in=through.objects.filter(content_object__in=objects)
                          .values("tag_id"))
    return tag_model.objects.filter(used)


def popular_tags(model: type[Model], user, count: int = 10) -> QuerySet:
    """Wagtail's `popular_tags_for_model`, counting only the objects the user may see."""
    ct = ContentType.objects.get_for_model(model)
    items = Q(taggit_taggeditem_items__content_type=ct)
    objects = visible(model, user)
    if objects is not None:
        items &= Q(taggit_taggeditem_items__object_id__in=objects.values("pk"))
    return (Tag.objects.filter(items).annotate(item_count=Count("taggit_taggeditem_items"))
            .order_by("-item_count")[:count])


def tag_autocomplete(request: HttpRequest, app_name=None, model_name=None) -> JsonResponse:
    """Wagtail's tag autocompletion, from the tags the user may see."""
    tag_model = Tag
    if app_name and model_name:
        try:
            tag_model = ContentType.objects.get_by_natural_key(app_name, model_name).model_class()
        except ContentType.DoesNotExist as e:
            raise Http404 from e
        if tag_model is None or not issubclass(tag_model, TagBase):
            raise Http404
    # No tag name holds a NUL, and PostgreSQL refuses one in a query (a 500, not an answer).
    term = request.GET.get("term", "").replace("\x00", "")
    tags = visible(tag_model, request.user)
    if tags is None:
        tags = tag_model.objects.all()
    names = (tags.filter(name__istartswith=term).order_by("name").distinct()
             .values_list("name", flat=True)[:10]) if term else []
    return JsonResponse(list(names), safe=False)


# ----------------------------------------------------------------------------- forms

def narrow_choices(form: forms.BaseForm, user) -> None:
    """Model choices of a form limited to what the user may see, so that a select lists
    no other member's object and an id of one is refused with a message naming the field."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
            continue
        objects = visible(field.queryset.model, user)
        if objects is not None:
            field.queryset = field.queryset.filter(pk__in=objects.values("pk"))
            field.error_messages["invalid_choice"] = _refusal(field.label or name)


def _refusal(label) -> str:
    return _("« %(field)s » désigne un élément qui n'existe pas ou qui appartient à un autre "
             "membre du syndicat : choisissez-en un de votre site.") % {"field": label}


def _references(form: forms.BaseForm, name: str, value):
    """(model, id) of every object a cleaned value names: a chosen object, or the images,
    documents and pages of rich text and StreamField content."""
    values = value if isinstance(value, (list, tuple, QuerySet)) else [value]
    for item in values:
        if isinstance(item, Model):
            yield type(item), item.pk
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        db_field = model._meta.get_field(name) if model else None
    except Exception:  # a form field that is no model field
        db_field = None
    if value and hasattr(db_field, "extract_references"):
        for ref_model, pk, _path, _content_path in db_field.extract_references(value):
            yield ref_model, pk


def _forms(form: forms.BaseForm):
    """The form and its inline forms (InlinePanel's), deleted ones left out."""
    yield form
    for formset in getattr(form, "formsets", {}).values():
        for child in formset.forms:
            if not (formset.can_delete and formset._should_delete_form(child)):
                yield from _forms(child)


def refuse_foreign_references(form: forms.BaseForm, user) -> bool:
    """Add an error to every field naming another member's object; True when none did."""
    clean = True
    for f in _forms(form):
        for name, field in f.fields.items():
            # A choice Django itself refused (narrowed away): show the saved value again too.
            if name in f.errors and isinstance(field, forms.ModelChoiceField):
                raw = f[name].data
                values = raw if isinstance(raw, (list, tuple)) else [raw]
                if any(v not in (None, "") and not may_see(user, field.queryset.model, v)
                       for v in values):
                    _show_initial(field)
        for name, value in list(getattr(f, "cleaned_data", {}).items()):
            for model, pk in _references(f, name, value):
                if not may_see(user, model, pk):
                    f.add_error(name, _refusal(f.fields[name].label or name))
                    _show_initial(f.fields[name])
                    clean = False
                    break
    return clean


def _show_initial(field: forms.Field) -> None:
    """The form shown again with the error renders the field's saved value, not the refused
    one: a chooser would show the other member's object (its title, its thumbnail), rich text
    the URL and title of its page or document."""
    field.bound_data = lambda data, initial: initial


# ----------------------------------------------------------------------------- install

def install() -> None:
    """Apply `visible` where Wagtail has no hook. Idempotent."""
    global _installed
    if _installed:
        return
    from wagtail.admin.forms import WagtailAdminModelForm
    from wagtail.admin.forms.collections import BaseCollectionMemberForm
    from wagtail.admin.views import workflows
    from wagtail.admin.views.bulk_action import BulkAction
    from wagtail.images.views import chooser as image_chooser

    form_init, form_is_valid = WagtailAdminModelForm.__init__, WagtailAdminModelForm.is_valid

    def __init__(self, *args, **kwargs):
        form_init(self, *args, **kwargs)
        if self.for_user is not None:
            narrow_choices(self, self.for_user)

    def is_valid(self):
        if self.for_user is not None:
            narrow_choices(self, self.for_user)  # again: subclasses set choices after __init__
        valid = form_is_valid(self)
        if self.for_user is not None and self.is_bound:
            valid = refuse_foreign_references(self, self.for_user) and valid
        return valid

    WagtailAdminModelForm.__init__, WagtailAdminModelForm.is_valid = __init__, is_valid

    # Image and document forms are no WagtailAdminModelForm: they take `user`, and set the
    # collection's choices once built.
    member_init, member_is_valid = (BaseCollectionMemberForm.__init__,
                                    BaseCollectionMemberForm.is_valid)

    def member_form_init(self, *args, **kwargs):
        self._wsf_user = kwargs.get("user")
        member_init(self, *args, **kwargs)
        if self._wsf_user is not None:
            narrow_choices(self, self._wsf_user)

    def member_form_is_valid(self):
        valid = member_is_valid(self)
        user = getattr(self, "_wsf_user", None)
        if user is not None and self.is_bound:
            valid = refuse_foreign_references(self, user) and valid
        return valid

    BaseCollectionMemberForm.__init__ = member_form_init
    BaseCollectionMemberForm.is_valid = member_form_is_valid

    actionable = BulkAction.get_actionable_objects
    get_form = BulkAction.get_form

    def get_actionable_objects(self):
        # An ?id= that is no id of the model (hand-edited: "abc", a NUL, a number past the
        # column's range) names no object: 404, as Wagtail answers for ids that exist nowhere,
        # never a 500 from the query.
        field = self.model._meta.pk
        for pk in self.request.GET.getlist("id"):
            if pk == "all":
                continue
            try:
                value = field.to_python(pk)
            except ValidationError:
                raise Http404 from None
            if isinstance(value, int):
                low, high = connection.ops.integer_field_range(field.get_internal_type())
                if (low is not None and value < low) or (high is not None and value > high):
                    raise Http404
        # Both lists are shown (titles of the objects, and of those "without access").
        objects, extra = actionable(self)
        user = self.request.user
        mine = visible(self.model, user)
        if mine is None:
            return objects, extra
        ids = set(mine.filter(pk__in=[o.pk for o in objects + extra["items_with_no_access"]])
                  .values_list("pk", flat=True))
        objects = [o for o in objects if o.pk in ids]
        extra["items_with_no_access"] = [o for o in extra["items_with_no_access"]
                                         if o.pk in ids]
        if not objects and not extra["items_with_no_access"]:
            raise Http404
        return objects, extra

    def bulk_form(self, form_class=None):
        form = get_form(self, form_class)
        narrow_choices(form, self.request.user)
        return form

    BulkAction.get_actionable_objects, BulkAction.get_form = get_actionable_objects, bulk_form

    context = image_chooser.ImageChooseViewMixin.get_context_data

    def chooser_context(self, **kwargs):
        data = context(self, **kwargs)
        data["popular_tags"] = popular_tags(self.model, self.request.user)
        return data

    image_chooser.ImageChooseViewMixin.get_context_data = chooser_context

    task_listing = workflows.BaseTaskChooserView.get_task_listing_context_data

    def confined_task_listing(self):
        # Wagtail's task chooser lists every active task to any admin user.
        data = task_listing(self)
        mine = visible(Task, self.request.user)
        if mine is not None:
            tasks = data["all_tasks"] = data["all_tasks"].filter(pk__in=mine.values("pk"))
            if data["query_string"]:
                tasks = tasks.filter(name__icontains=data["query_string"])
            data["tasks"] = Paginator(tasks, per_page=10).get_page(self.request.GET.get("p"))
        return data

    workflows.BaseTaskChooserView.get_task_listing_context_data = confined_task_listing
    _installed = True
