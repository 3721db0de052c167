"""The form pages of the apps' staff pages, on Wagtail's generic form template: the form posts
back to its own address, and a form with errors is shown again as Wagtail shows errors,
answered 400. Each app adds its header icon, its breadcrumbs and its member."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin


class StaffFormView(WagtailAdminTemplateMixin, FormView):
    template_name = "wagtailadmin/generic/form.html"
    submit_button_label = gettext_lazy("Enregistrer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.get_full_path()
        context["submit_button_label"] = self.submit_button_label
        context["submit_button_active_label"] = self.submit_button_label
        return context

    def form_invalid(self, form):
        messages.validation_error(self.request, _("Le formulaire contient des erreurs."), form)
        return self.render_to_response(self.get_context_data(form=form), status=400)
