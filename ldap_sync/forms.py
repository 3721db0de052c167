from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ActivationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Nouveau mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}))
    password2 = forms.CharField(
        label=_("Confirmez le mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, min_length: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if min_length:
            self.fields["password1"].help_text = _(
                "Au moins %(n)d caractères.") % {"n": min_length}
            self.fields["password1"].widget.attrs["minlength"] = min_length

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("Les deux mots de passe ne sont pas identiques."))
        return data
