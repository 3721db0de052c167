"""The forms that install an official's signing credential: a PKCS#12 file and its password,
or a key on a PKCS#11 token of the module the server is configured with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualis import uploads

MAX_PKCS12 = 1024 * 1024  # a PKCS#12 holds a key and a few certificates: a few kilobytes


class Pkcs12Form(forms.Form):
    # The upload policy's size limit, then the much lower one of a certificate file below.
    file = uploads.CheckedFileField(
        kinds=None, label=_("Fichier du certificat (.p12 ou .pfx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
        error_messages={"required": _("Choisissez le fichier du certificat (.p12 ou .pfx)."),
                        "empty": _("Le fichier du certificat est vide.")})
    passphrase = forms.CharField(
        label=_("Mot de passe du fichier"), required=False, strip=False,
        help_text=_("Il sert à vérifier le certificat et n'est pas enregistré : il sera "
                    "demandé à chaque signature."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PKCS12:
            raise forms.ValidationError(_("Ce fichier dépasse 1 Mo : ce n'est pas un "
                                          "certificat PKCS#12."))
        return upload


class Pkcs11Form(forms.Form):
    token = forms.CharField(
        label=_("Libellé du jeton (carte ou HSM)"), max_length=100,
        error_messages={"required": _("Indiquez le libellé du jeton PKCS#11.")})
    key_label = forms.CharField(
        label=_("Libellé de la clé"), max_length=100,
        error_messages={"required": _("Indiquez le libellé de la clé sur le jeton.")})
    cert_label = forms.CharField(
        label=_("Libellé du certificat (facultatif)"), max_length=100, required=False,
        help_text=_("Laissé vide, c'est le libellé de la clé."))
    pin = forms.CharField(
        label=_("Code PIN du jeton"), strip=False,
        help_text=_("Il sert à lire le certificat et n'est pas enregistré : il sera demandé "
                    "à chaque signature."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Indiquez le code PIN du jeton pour lire son "
                                      "certificat.")})
