"""The parapheur's forms (French labels; they work without JavaScript)."""

from __future__ import annotations

from django import forms

from provisioning.models import RegistryMember

from .models import Circuit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class SubmitForm(forms.Form):
    member = forms.ModelChoiceField(queryset=RegistryMember.objects.none(), label="Collectivité")
    title = forms.CharField(label="Objet", max_length=300)
    folder_type = forms.ChoiceField(label="Type de dossier")
    folder_subtype = forms.CharField(label="Sous-type (facultatif)", max_length=100,
                                     required=False)
    documents = MultipleFileField(label="Documents à signer (PDF)")
    annexes = MultipleFileField(label="Annexes (facultatif)", required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = members if members is not None else RegistryMember.objects.none()
        self.fields["member"].queryset = members
        types = (Circuit.objects.filter(member__in=members, active=True)
                 .values_list("folder_type", flat=True).distinct().order_by("folder_type"))
        self.fields["folder_type"].choices = [(t, t) for t in types]


class ActionForm(forms.Form):
    ACTIONS = [("approve", "Viser"), ("sign", "Signer"), ("reject", "Rejeter")]
    action = forms.ChoiceField(choices=ACTIONS, label="Action", widget=forms.RadioSelect)
    on_behalf = forms.ChoiceField(label="Agir en tant que", required=False)
    passphrase = forms.CharField(label="Mot de passe de la clé de signature", required=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
    reason = forms.CharField(label="Motif du rejet", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, capacities=(), person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_behalf"].choices = [
            (p.uid, "moi-même" if p == person else f"{p.given_name} {p.surname} (absent·e)")
            for p in capacities]

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Indiquez le motif du rejet : il sera transmis au "
                           "déposant.")
        return data


class BatchForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "Viser"), ("sign", "Signer")],
                               label="Action sur les dossiers cochés")
    folders = forms.TypedMultipleChoiceField(coerce=int, label="Dossiers",
                                             widget=forms.CheckboxSelectMultiple)
    passphrase = forms.CharField(label="Mot de passe de la clé de signature", required=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folders"].choices = [(f.pk, f"{f.reference} — {f.title}") for f in folders]


class VerifyForm(forms.Form):
    file = forms.FileField(label="Fichier PDF signé",
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))
