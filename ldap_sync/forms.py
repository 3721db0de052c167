from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.utils.translation import gettext_lazy as _

# Distinct characters below which a password is a repetition ("aaaaaaaaaaaa", "abababab…").
MIN_DISTINCT_CHARACTERS = 5


def account_person(uid: str) -> SimpleNamespace:
    """What the password must not resemble: the account's uid, names and email, as the
    registry holds them."""
    from provisioning import people

    person = people.person(uid, disabled_too=True)
    return SimpleNamespace(
        username=uid, first_name=getattr(person, "given_name", ""),
        last_name=getattr(person, "surname", ""), email=getattr(person, "email", ""))


def _validators():
    # The directory's password policy decides the length: it is checked when the password
    # is written, with its own sentence.
    return [v for v in password_validation.get_default_password_validators()
            if not isinstance(v, MinimumLengthValidator)]


class ActivationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Nouveau mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}))
    password2 = forms.CharField(
        label=_("Confirmez le mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, min_length: int = 0, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if min_length:
            self.fields["password1"].help_text = _(
                "Au moins %(n)d caractères.") % {"n": min_length}
            self.fields["password1"].widget.attrs["minlength"] = min_length

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        if len(set(password)) < MIN_DISTINCT_CHARACTERS:
            raise forms.ValidationError(_(
                "Ce mot de passe compte trop peu de caractères différents : il se devine "
                "en quelques essais."))
        password_validation.validate_password(password, self.person, _validators())
        return password

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("Les deux mots de passe ne sont pas identiques."))
        return data
