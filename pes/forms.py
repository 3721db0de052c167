from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualis.uploads import CheckedFileField

from .models import PesSettings


class SubmitForm(forms.Form):
    file = CheckedFileField(label=_("Flux PES_Aller (fichier XML)"), kinds=None,
                            help_text=_("L'export PES_Aller du logiciel comptable, non signé : "
                                        "ses bordereaux de mandats et de titres seront "
                                        "présentés au signataire."))
    title = forms.CharField(label=_("Objet du dossier"), required=False, max_length=300,
                            help_text=_("Laissé vide : « Flux PES (budget) du (date) (nombre "
                                        "de bordereaux) »."))


class SettingsForm(forms.ModelForm):
    class Meta:
        model = PesSettings
        fields = ["mode", "city", "postal_code"]
        widgets = {"mode": forms.RadioSelect}
        help_texts = {
            "mode": _("Hélios accepte une signature par bordereau ou une signature du flux "
                      "entier ; le comptable peut demander l'une ou l'autre."),
            "city": _("Le lieu de signature inscrit dans chaque signature ; laissé vide : le "
                      "nom de la collectivité.")}
