"""Forms of the register's staff pages (the host's member: `access.host_member`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualis import uploads
from provisioning import people
from signature.forms import MultipleFileField

from . import natures as n
from .models import Contact
from .register import ATTACHMENT_KINDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def department_choices(member) -> list[tuple[str, str]]:
    return list(people.departments(member).items())


class RecordForm(forms.Form):
    """An item recorded by hand at the counter."""

    direction = forms.ChoiceField(label=_("Sens"), choices=n.DIRECTIONS, initial=n.INCOMING)
    kind = forms.ChoiceField(label=_("Type"), choices=n.KINDS, initial=n.LETTER)
    nature = forms.ChoiceField(label=_("Nature"), choices=n.NATURE_CHOICES,
                               initial="courrier")
    subject = forms.CharField(label=_("Objet"), max_length=500)
    correspondent = forms.ModelChoiceField(label=_("Correspondant du carnet"), required=False,
                                           queryset=Contact.objects.none(),
                                           empty_label=_("— nouveau ou aucun —"))
    new_correspondent = forms.CharField(label=_("Nouveau correspondant (nom)"), max_length=200,
                                        required=False)
    siret = forms.CharField(label=_("SIRET du nouveau correspondant"), max_length=20,
                            required=False)
    reference = forms.CharField(label=_("Référence du correspondant"), max_length=100,
                                required=False, help_text=_("Son numéro de facture ou sa "
                                                            "référence."))
    amount = forms.DecimalField(label=_("Montant TTC (€)"), required=False, max_digits=14,
                                decimal_places=2, min_value=0)
    channel = forms.ChoiceField(label=_("Canal"), choices=n.CHANNELS, initial=n.COUNTER)
    priority = forms.ChoiceField(label=_("Priorité"), choices=n.PRIORITIES, initial=n.NORMAL)
    confidential = forms.BooleanField(label=_("Confidentiel"), required=False)
    received_on = forms.DateField(label=_("Reçu le"), widget=DATE,
                                  initial=timezone.localdate)
    files = MultipleFileField(label=_("Pièces jointes"), required=False,
                              kinds=ATTACHMENT_KINDS)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["correspondent"].queryset = Contact.objects.filter(member=member,
                                                                       active=True)


class ScanForm(forms.Form):
    """Scanned PDFs: one item each, their text recognised."""

    files = MultipleFileField(label=_("PDF numérisés"))
    kind = forms.ChoiceField(label=_("Type"), choices=n.KINDS, initial=n.LETTER)
    nature = forms.ChoiceField(label=_("Nature"), choices=n.NATURE_CHOICES,
                               initial="courrier")
    received_on = forms.DateField(label=_("Reçus le"), widget=DATE,
                                  initial=timezone.localdate)


class QualifyForm(forms.Form):
    department = forms.ChoiceField(label=_("Service chargé du traitement"))
    copies = forms.MultipleChoiceField(label=_("En copie"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    nature = forms.ChoiceField(label=_("Nature"), choices=n.NATURE_CHOICES)
    priority = forms.ChoiceField(label=_("Priorité"), choices=n.PRIORITIES)
    confidential = forms.BooleanField(label=_("Confidentiel"), required=False)
    note = forms.CharField(label=_("Consigne"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        choices = department_choices(member)
        self.fields["department"].choices = choices
        self.fields["copies"].choices = choices


class PassOnForm(forms.Form):
    department = forms.ChoiceField(label=_("Transmettre au service"))
    note = forms.CharField(label=_("Motif"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices(member)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Annotation"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CertifyForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Décision du service"), choices=[
        (n.SERVICE_DONE, _("Service fait")), (n.SUSPENDED, _("Suspendre")),
        (n.REJECTED, _("Rejeter"))])
    reason = forms.CharField(label=_("Motif (suspension ou rejet)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ValidateForm(forms.Form):
    mandate_number = forms.CharField(label=_("Numéro de mandat"), max_length=40)


class InvoiceFileForm(forms.Form):
    """A Factur-X invoice (a PDF carrying its XML) or a UBL/CII XML file."""

    file = uploads.CheckedFileField(label=_("Facture Factur-X (PDF) ou XML"), kinds=None)
