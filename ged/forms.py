"""The GED's staff forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualis.uploads import ANNEX_TYPES, CheckedFileField
from provisioning import people

from .models import DocumentType


class FilingForm(forms.Form):
    doc_type = forms.ModelChoiceField(label=_("Type de document"),
                                      queryset=DocumentType.objects.none())
    title = forms.CharField(label=_("Titre"), max_length=500)
    author = forms.CharField(label=_("Auteur"), max_length=200, required=False)
    created_on = forms.DateField(label=_("Date du document"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    closed_on = forms.DateField(label=_("Clôture du dossier"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("Pour les types dont la DUA court de la clôture."))
    department = forms.ChoiceField(label=_("Service"), required=False)
    file = CheckedFileField(label=_("Fichier"), kinds=frozenset(ANNEX_TYPES))

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].queryset = DocumentType.objects.filter(member=member)
        departments = list(people.departments(member).items()) if member else []
        if departments:
            self.fields["department"].choices = [("", _("Toute la collectivité")),
                                                 *departments]
        else:  # a member without departments files for the whole of it
            del self.fields["department"]


class VersionForm(forms.Form):
    file = CheckedFileField(label=_("Nouvelle version"), kinds=frozenset(ANNEX_TYPES))
    note = forms.CharField(label=_("Motif"), max_length=255, required=False)


class RuleForm(forms.ModelForm):
    class Meta:
        model = DocumentType
        fields = ["title", "dua_years", "dua_months", "start_event", "event_label",
                  "final_action", "notes"]
        help_texts = {"dua_years": _("Vide : DUA illimitée (le document est conservé par le "
                                     "membre).")}


class HoldForm(forms.Form):
    reference = forms.CharField(label=_("Référence du gel"), max_length=120)
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))


class VisaForm(forms.Form):
    director = forms.CharField(label=_("Directeur des archives départementales"), max_length=200)
    reference = forms.CharField(label=_("Référence du visa"), max_length=120)
