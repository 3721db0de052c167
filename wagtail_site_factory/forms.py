"""The contact form of the démarches page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Vos nom et prénom"), max_length=150,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Votre adresse de courriel"),
                             help_text=_("Format attendu : nom@exemple.fr"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    subject = forms.CharField(label=_("Objet"), max_length=150)
    message = forms.CharField(label=_("Votre message"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 6}))
