"""The staff forms of the members' certificates: an import (a file, or a PKCS#11 token) and a
registration-authority record."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis import conf
from mutualis.uploads import CheckedFileField
from provisioning import people

from .models import KINDS

MAX_FILE = 256 * 1024  # a certificate or a PKCS#12 is a few kilobytes


class ImportForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Collectivité"), queryset=None)
    kind = forms.ChoiceField(label=_("Nature du certificat"), choices=KINDS)
    holder_uid = forms.CharField(label=_("Identifiant du titulaire dans l'annuaire"),
                                 required=False, max_length=32,
                                 help_text=_("Facultatif : son adresse reçoit les rappels "
                                             "d'expiration."))
    # The upload policy's size check only: the certificate readers parse the file themselves.
    file = CheckedFileField(label=_("Fichier du certificat (PEM, DER ou PKCS#12)"),
                            required=False, kinds=None)
    password = forms.CharField(label=_("Mot de passe du fichier PKCS#12"), required=False,
                               widget=forms.PasswordInput(render_value=False), strip=False)
    token = forms.CharField(label=_("Ou : libellé du jeton PKCS#11"), required=False,
                            max_length=100)
    token_label = forms.CharField(label=_("Libellé du certificat sur le jeton (facultatif)"),
                                  required=False, max_length=100)
    pin = forms.CharField(label=_("Code PIN du jeton (s'il en demande un)"), required=False,
                          widget=forms.PasswordInput(render_value=False), strip=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        if not conf.MUTUALIS_PKCS11_MODULE:
            for name in ("token", "token_label", "pin"):
                del self.fields[name]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_FILE:
            raise forms.ValidationError(_("Le fichier « %(name)s » est trop gros pour un "
                                          "certificat (%(size)d Ko, au plus 256 Ko).")
                                        % {"name": upload.name, "size": upload.size // 1024})
        return upload

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("file")) == bool(data.get("token")):
            raise forms.ValidationError(_("Donnez soit un fichier, soit le libellé d'un jeton "
                                          "PKCS#11.") if "token" in self.fields else
                                        _("Choisissez le fichier du certificat."))
        uid = data.get("holder_uid", "").strip()
        data["holder"] = None
        if uid:
            person = people.person(uid)
            if person is None or people.seat(person, data["member"]) is None:
                self.add_error("holder_uid", _("« %(uid)s » n'est pas une personne de "
                                               "%(member)s dans l'annuaire.")
                               % {"uid": uid, "member": data["member"].name})
            data["holder"] = person
        return data


class IdentityCheckForm(forms.Form):
    checked_by = forms.CharField(label=_("Vérifiée par"), max_length=200)
    checked_on = forms.DateField(label=_("Vérifiée le"), widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))
    documents = forms.CharField(label=_("Pièces présentées"), widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("Par exemple : carte nationale d'identité n° …, "
                                        "arrêté de délégation du …"))
    notes = forms.CharField(label=_("Observations"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def clean_checked_on(self):
        day = self.cleaned_data["checked_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Cette date est dans le futur."))
        return day
