"""The PES staff pages in the Wagtail admin (/admin/pes/): depositing a flux in the
parapheur, and the member's PES settings. Both work on the host's member, for its staff
(`access.member_or_404`); the folder itself is the parapheur's (/admin/parapheur/)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages

from actes.helios import PesRefused
from mutualis.admin_forms import StaffFormView
from provisioning import people
from signature.errors import SignatureError

from . import services
from .access import member_or_404
from .forms import SettingsForm, SubmitForm
from .models import PesFlux
from .signing import settings_for


class MemberMixin:
    header_icon = "table"

    def setup(self, request, *args, **kwargs):
        self.member = member_or_404(request)
        super().setup(request, *args, **kwargs)


class SubmitView(MemberMixin, StaffFormView):
    form_class = SubmitForm
    page_title = gettext_lazy("Déposer un flux PES au parapheur")
    submit_button_label = gettext_lazy("Déposer le flux")

    def form_valid(self, form):
        person = people.person_for(self.request.user)
        if person is None:
            raise PermissionDenied(_("Votre compte n'est rattaché à aucune personne de "
                                     "l'annuaire."))
        upload = form.cleaned_data["file"]
        try:
            folder = services.submit_flux(person, self.member, upload.name, upload.read(),
                                          form.cleaned_data["title"])
        except SignatureError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Flux déposé : le dossier %(ref)s attend sa "
                                         "signature.") % {"ref": folder.reference})
        return redirect("signature:folder", folder.pk)


class SettingsView(MemberMixin, StaffFormView):
    form_class = SettingsForm
    page_title = gettext_lazy("Réglages des flux PES")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": settings_for(self.member)}

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Réglages enregistrés."))
        return redirect("pes:settings")


class TransmitView(MemberMixin, View):
    """« Transmettre au Trésor public »: the signed flux of the folder, to Hélios. The host's
    member is checked first (another member's folder is a 404, whatever the method)."""

    http_method_names = ["post"]

    def post(self, request, folder: int):
        item = get_object_or_404(PesFlux, folder__pk=folder, folder__member=self.member)
        try:
            sent = services.transmit(item, request.user)
        except (PesRefused, SignatureError) as exc:
            messages.error(request, str(exc))
            return redirect("signature:folder", folder)
        messages.success(request, _("Flux %(name)s transmis : %(state)s.") % {
            "name": sent.filename, "state": sent.get_state_display()})
        return redirect("helios:flux", sent.pk)
