"""Forms of the staff pages and of the members' tablet pages."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from mutualis import uploads
from provisioning.models import RegistryPerson
from provisioning.people import assembly_seats, people_among

from .dossier import DossierError, check_pdf
from .models import Annex, Answer, Guest, Movement, Proxy, Sitting


def pdf_field(label: str, required: bool = True) -> forms.FileField:
    return uploads.CheckedFileField(label=label, required=required)


def clean_pdf(upload: UploadedFile | None, title: str) -> UploadedFile | None:
    """After the upload policy (the field's): the pages the dossier will merge."""
    if not upload:
        return upload
    content = upload.read()
    upload.seek(0)
    try:
        check_pdf(content, title)
    except DossierError as exc:
        raise forms.ValidationError(str(exc)) from exc
    return upload


class SittingForm(forms.ModelForm):
    starts_at = forms.DateTimeField(label=_("Date et heure"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    class Meta:
        model = Sitting
        fields = ["assembly", "title", "starts_at", "duration_minutes", "place", "urgent",
                  "reconvened", "remote_allowed", "secretary"]

    def __init__(self, *args, assemblies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if assemblies is not None:
            self.fields["assembly"].queryset = assemblies.select_related("member")
        self.fields["assembly"].label_from_instance = (
            lambda a: f"{a.name} — {a.member.name}")


class NoteForm(forms.Form):
    note = pdf_field(_("note explicative de synthèse (PDF)"))

    def clean_note(self):
        return clean_pdf(self.cleaned_data["note"], _("La note explicative de synthèse"))


class ItemForm(forms.Form):
    title = forms.CharField(label=_("objet"), max_length=300)
    rapporteur = forms.ModelChoiceField(label=_("rapporteur"), required=False,
                                        queryset=RegistryPerson.objects.none())
    project = pdf_field(_("projet de délibération (PDF)"))

    def __init__(self, *args, sitting: Sitting, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [seat.person_id for seat in assembly_seats(sitting.assembly)]
        self.fields["rapporteur"].queryset = people_among(ids)

    def clean_project(self):
        return clean_pdf(self.cleaned_data["project"], _("Le projet de délibération"))


class AnnexForm(forms.ModelForm):
    file = pdf_field(_("annexe (PDF)"))

    class Meta:
        model = Annex
        fields = ["item", "title", "file"]

    def __init__(self, *args, sitting: Sitting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"] = forms.ModelChoiceField(label=_("point"),
                                                     queryset=sitting.items.all())

    def clean_file(self):
        return clean_pdf(self.cleaned_data["file"], _("L'annexe"))


class GuestForm(forms.ModelForm):
    class Meta:
        model = Guest
        fields = ["name", "email", "quality"]


class MovementForm(forms.Form):
    person = forms.ModelChoiceField(label=_("membre"), queryset=RegistryPerson.objects.none())
    kind = forms.ChoiceField(label=_("mouvement"), choices=Movement.KINDS)
    item = forms.ModelChoiceField(label=_("à partir du point"), queryset=None)

    def __init__(self, *args, sitting: Sitting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_among(
            sitting.convocations.values_list("person_id", flat=True))
        self.fields["item"].queryset = sitting.items.all()


class RollCallForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label=_("présents à l'ouverture"), queryset=RegistryPerson.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, sitting: Sitting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = people_among(
            sitting.convocations.values_list("person_id", flat=True))


class VoteForm(forms.Form):
    item = forms.ModelChoiceField(label=_("point"), queryset=None)
    votes_for = forms.IntegerField(label=_("pour"), min_value=0)
    votes_against = forms.IntegerField(label=_("contre"), min_value=0)
    abstentions = forms.IntegerField(label=_("abstentions"), min_value=0)
    number = forms.CharField(label=_("numéro de délibération"), max_length=40, required=False)

    def __init__(self, *args, sitting: Sitting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = sitting.items.all()


class AnswerForm(forms.Form):
    choice = forms.ChoiceField(label=_("votre réponse"), choices=Answer.CHOICES,
                               widget=forms.RadioSelect)
    holder = forms.ModelChoiceField(label=_("je donne pouvoir à"), required=False,
                                    queryset=RegistryPerson.objects.none())
    sittings = forms.TypedChoiceField(
        label=_("pour"), coerce=int, initial=1, required=False, empty_value=1,
        choices=[(1, _("cette séance")), (2, _("cette séance et la suivante")),
                 (3, _("cette séance et les deux suivantes"))][:Proxy.MAX_SITTINGS])

    def __init__(self, *args, sitting: Sitting, person: RegistryPerson, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [s.person_id for s in assembly_seats(sitting.assembly) if s.person_id != person.pk]
        self.fields["holder"].queryset = people_among(ids)

    def clean(self):
        data = super().clean()
        if data.get("choice") == Answer.PROXY and not data.get("holder"):
            self.add_error("holder", _("Choisissez le membre à qui vous donnez pouvoir."))
        return data
