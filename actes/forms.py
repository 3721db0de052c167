"""Forms of the acts' staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualis import uploads
from signature.forms import MultipleFileField

from .models import MemberSettings
from .natures import NATURES


class ActForm(forms.Form):
    """An act of the host's member (the admin's member: `access.host_member`)."""

    number = forms.CharField(label=_("Numéro"), max_length=40,
                             help_text=_("2 à 15 caractères : chiffres, majuscules, « _ »."))
    nature = forms.TypedChoiceField(label=_("Nature"), choices=NATURES, coerce=int)
    decision_date = forms.DateField(label=_("Date de décision"),
                                    widget=forms.DateInput(attrs={"type": "date"}))
    subject = forms.CharField(label=_("Objet"), widget=forms.Textarea(attrs={"rows": 3}))
    matter = forms.CharField(label=_("Classification (code de matière)"), max_length=20,
                             required=False, help_text=_("Par exemple 1.1 ou 7.10.2."))
    document = uploads.CheckedFileField(label=_("Acte signé (PDF)"))
    annexes = MultipleFileField(label=_("Annexes (PDF)"), required=False)


class ClassificationForm(forms.Form):
    file = uploads.CheckedFileField(
        kinds=None, label=_("Fichier de classification de la préfecture (XML)"))


class SettingsForm(forms.ModelForm):
    class Meta:
        model = MemberSettings
        fields = ["publication_mode", "mode_decided_by", "siret", "department",
                  "arrondissement", "collectivity_nature", "referent_name", "referent_phone",
                  "referent_email"]


class PostingForm(forms.Form):
    posted_at = forms.DateTimeField(label=_("Affiché ou mis à disposition le"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class PesUploadForm(forms.Form):
    """A PES_Aller already signed (by the parapheur or the accounting software)."""

    file = uploads.CheckedFileField(
        kinds=None, label=_("Flux PES signé (PES_Aller, XML)"),
        help_text=_("Le fichier exporté du logiciel de comptabilité et signé : bordereaux de "
                    "mandats et de titres, pièces justificatives."))
