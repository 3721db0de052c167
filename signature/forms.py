"""The parapheur's forms (French labels; they work without JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualis import uploads
from provisioning.models import RegistryMember, RegistryPerson
from provisioning.naming import member_group_labels
from provisioning.people import assemblies, member_seats, people_of

from .models import ANY, MODES, SEAL, SIGNATURE, STEP_KINDS, VISA, Circuit, StepActor
from .workflow import StepSpec
from .workflow.people import seat_role_label


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files, each passed through the upload policy (PDFs by default; `kinds` widens
    it, e.g. to the annex types)."""

    upload_policy = True

    def __init__(self, *args, kinds=frozenset({uploads.PDF}), **kwargs):
        self.kinds = kinds
        accept = {"accept": "application/pdf"} if kinds == {uploads.PDF} else {}
        kwargs.setdefault("widget", MultipleFileInput(attrs=accept))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [d for d in data if d] if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            super().clean(None, initial)  # "required" when required
            return []
        errors, cleaned = [], []
        for upload in files:
            upload = super().clean(upload, initial)
            try:
                uploads.read_checked(upload, self.kinds)
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
            cleaned.append(upload)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class SubmitForm(forms.Form):
    member = forms.ModelChoiceField(queryset=RegistryMember.objects.none(), label=_("Collectivité"))
    title = forms.CharField(label=_("Objet"), max_length=300)
    folder_type = forms.ChoiceField(label=_("Type de dossier"))
    folder_subtype = forms.CharField(label=_("Sous-type (facultatif)"), max_length=100,
                                     required=False)
    documents = MultipleFileField(label=_("Documents à signer (PDF)"))
    annexes = MultipleFileField(label=_("Annexes (facultatif)"), required=False,
                                kinds=frozenset(uploads.ANNEX_TYPES))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = members if members is not None else RegistryMember.objects.none()
        self.fields["member"].queryset = members
        types = (Circuit.objects.filter(member__in=members, active=True)
                 .values_list("folder_type", flat=True).distinct().order_by("folder_type"))
        self.fields["folder_type"].choices = [(t, t) for t in types]


def secret_field(form: forms.Form, key) -> None:
    """The signing form asks for what the person's key needs: its password, its PIN (a
    PKCS#11 key), or nothing (a demo credential, whose password is stored)."""
    from .models import SigningKey
    from .workflow import asks_secret

    if key is not None and not asks_secret(key):
        del form.fields["passphrase"]
    elif key is not None and key.storage == SigningKey.PKCS11:
        form.fields["passphrase"].label = _("Code PIN de votre carte")


class ActionForm(forms.Form):
    ACTIONS = [("approve", _("Viser")), ("sign", _("Signer")), ("reject", _("Rejeter"))]
    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"), widget=forms.RadioSelect)
    on_behalf = forms.ChoiceField(label=_("Agir en tant que"), required=False)
    passphrase = forms.CharField(label=_("Mot de passe de votre certificat"), required=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
    reason = forms.CharField(label=_("Motif du rejet"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, capacities=(), person=None, key=None, **kwargs):
        super().__init__(*args, **kwargs)
        secret_field(self, key)
        self.fields["on_behalf"].choices = [
            (p.uid, _("moi-même") if p == person
             else _("%(name)s (absent·e)") % {"name": f"{p.given_name} {p.surname}"})
            for p in capacities]

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez le motif du rejet : il sera transmis à la "
                                     "personne qui a déposé le dossier."))
        return data


class BatchForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Viser")), ("sign", _("Signer"))],
                               label=_("Action sur les dossiers cochés"))
    folders = forms.TypedMultipleChoiceField(coerce=int, label=_("Dossiers"),
                                             widget=forms.CheckboxSelectMultiple)
    passphrase = forms.CharField(label=_("Mot de passe de votre certificat"), required=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, folders=(), key=None, **kwargs):
        super().__init__(*args, **kwargs)
        secret_field(self, key)
        self.fields["folders"].choices = [(f.pk, f"{f.reference} — {f.title}") for f in folders]


class VerifyForm(forms.Form):
    # Only the size: the verifier parses the file itself and shows nothing of it.
    file = uploads.CheckedFileField(kinds=None, label=_("Fichier PDF signé"),
                                      widget=forms.ClearableFileInput(
                                          attrs={"accept": "application/pdf"}))


# Circuits and delegations, edited by the member's staff (see staff_views.py).

PERSON, GROUP = "personne:", "groupe:"
DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


def actor_key(actor: StepActor | RegistryPerson | str) -> str:
    """A step actor as a form value: "personne:<uid>" or "groupe:<gid>" (stable keys, no ids)."""
    if isinstance(actor, StepActor):
        return PERSON + actor.person.uid if actor.person_id else GROUP + actor.group
    if isinstance(actor, RegistryPerson):
        return PERSON + actor.uid
    return GROUP + actor


def group_labels(member: RegistryMember) -> dict[str, str]:
    """The member's naming groups a step may name, with the labels people know them by."""
    slugs = assemblies([member]).values_list("slug", "name")
    return member_group_labels(member.code, member.name, slugs, ())


@dataclass
class ActorChoices:
    """What a step of the member's circuits may name: its groups and the people sitting in it,
    plus, when editing, the actors the circuit already names (a person who has left is
    `stale`: shown so that it can be unticked, refused if kept)."""

    choices: list[tuple[str, str]] = field(default_factory=list)
    people: dict[str, RegistryPerson] = field(default_factory=dict)
    stale: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, member: RegistryMember, circuit: Circuit | None = None) -> ActorChoices:
        found = cls()
        for gid, label in group_labels(member).items():
            found.choices.append((GROUP + gid, _("Groupe : %(label)s") % {"label": label}))
        for seat in member_seats(member):
            person = seat.person
            role = seat.title or seat_role_label(seat, person)
            found.people[person.uid] = person
            name = f"{person.given_name} {person.surname}"
            found.choices.append((PERSON + person.uid, f"{name} ({role})" if role else name))
        if circuit is not None:
            known = {key for key, _label in found.choices}
            for actor in (StepActor.objects.filter(step__circuit=circuit)
                          .select_related("person").order_by("pk")):
                key = actor_key(actor)
                if key in known:
                    continue
                known.add(key)
                if actor.person_id:
                    name = f"{actor.person.given_name} {actor.person.surname}"
                    found.stale[key] = name
                    found.choices.append((key, _("%(name)s (ne siège plus dans %(member)s)")
                                          % {"name": name, "member": member.name}))
                else:
                    found.choices.append((key, _("Groupe : %(gid)s") % {"gid": actor.group}))
        return found

    def actor(self, key: str) -> RegistryPerson | str:
        if key.startswith(PERSON):
            return self.people[key.removeprefix(PERSON)]
        return key.removeprefix(GROUP)


class CircuitForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du circuit"), max_length=200,
        error_messages={"required": _("Indiquez le nom du circuit."),
                        "max_length": _("Le nom du circuit ne doit pas dépasser 200 "
                                        "caractères.")})
    folder_type = forms.CharField(
        label=_("Type de dossier"), max_length=100,
        help_text=_("Par exemple « Délibération », « Arrêté » ou « Bon de commande » : les "
                    "dossiers déposés avec ce type suivent ce circuit."),
        widget=forms.TextInput(attrs={"list": "types-de-dossier"}),
        error_messages={"required": _("Indiquez le type de dossier que ce circuit traite."),
                        "max_length": _("Le type de dossier ne doit pas dépasser 100 "
                                        "caractères.")})
    folder_subtype = forms.CharField(
        label=_("Sous-type (facultatif)"), max_length=100, required=False,
        help_text=_("Laissé vide, le circuit sert à tous les sous-types du type qui n'ont pas "
                    "leur propre circuit."),
        error_messages={"max_length": _("Le sous-type ne doit pas dépasser 100 caractères.")})

    def __init__(self, *args, member: RegistryMember, circuit: Circuit | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.member, self.circuit = member, circuit

    def clean(self):
        data = super().clean()
        folder_type = data.get("folder_type")
        # one active circuit per type and subtype; a deactivated circuit stays deactivated
        if folder_type and (self.circuit is None or self.circuit.active):
            subtype = data.get("folder_subtype") or ""
            others = Circuit.objects.filter(member=self.member, folder_type=folder_type,
                                            folder_subtype=subtype, active=True)
            if self.circuit is not None:
                others = others.exclude(pk=self.circuit.pk)
            other = others.first()
            if other is not None:
                what = (_("de type « %(type)s », sous-type « %(subtype)s »")
                        % {"type": folder_type, "subtype": subtype} if subtype else
                        _("de type « %(type)s » (sans sous-type)") % {"type": folder_type})
                self.add_error("folder_type", _(
                    "Type de dossier : %(member)s a déjà un circuit pour les dossiers "
                    "%(what)s, « %(name)s ». Modifiez ce circuit, ou choisissez un autre type "
                    "ou sous-type.") % {"member": self.member.name, "what": what,
                                        "name": other.name})
        return data


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature de l'étape"),
                             choices=[("", _("— choisir —")), *STEP_KINDS])
    mode = forms.ChoiceField(label=_("Quand l'étape a plusieurs acteurs"), choices=MODES,
                             initial=ANY)
    label = forms.CharField(label=_("Libellé (facultatif)"), max_length=200, required=False,
                            help_text=_("Par exemple « Visa du DGS » ou « Signature du maire »."))
    actors = forms.MultipleChoiceField(
        label=_("Acteurs"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Des personnes de la collectivité, ou un groupe (tous ses membres). Une "
                    "étape « cachet serveur » n'a pas d'acteur : le serveur appose le cachet de "
                    "la collectivité."))

    def __init__(self, *args, number: int = 0, actors: ActorChoices | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.actor_choices = actors or ActorChoices()
        self.fields["actors"].choices = self.actor_choices.choices
        n = {"n": number}
        self.fields["kind"].error_messages.update({
            "required": _("Étape %(n)s : choisissez la nature de l'étape (visa, signature ou "
                          "cachet serveur).") % n,
            "invalid_choice": _("Étape %(n)s : la nature de l'étape doit être visa, signature "
                                "ou cachet serveur.") % n})
        self.fields["mode"].error_messages["invalid_choice"] = _(
            "Étape %(n)s : choisissez si tous les acteurs doivent agir (ET) ou un seul (OU).") % n
        self.fields["label"].error_messages["max_length"] = _(
            "Étape %(n)s : le libellé ne doit pas dépasser 200 caractères.") % n
        self.fields["actors"].error_messages["invalid_choice"] = _(
            "Étape %(n)s : choisissez les acteurs parmi les personnes et les groupes de la "
            "collectivité.") % n

    def clean(self):
        data = super().clean()
        kind, actors = data.get("kind"), data.get("actors") or []
        n = {"n": self.number}
        if kind == SEAL and actors:
            self.add_error("actors", _(
                "Étape %(n)s : une étape « cachet serveur » n'a pas d'acteur (c'est le serveur "
                "qui appose le cachet) ; décochez les acteurs.") % n)
        elif kind in (VISA, SIGNATURE) and not actors:
            self.add_error("actors", _(
                "Étape %(n)s : choisissez au moins un acteur (une personne ou un groupe de la "
                "collectivité).") % n)
        for key in actors:
            if key in self.actor_choices.stale:
                self.add_error("actors", _(
                    "Étape %(n)s : %(name)s ne siège plus dans la collectivité ; décochez "
                    "cette personne.") % {**n, "name": self.actor_choices.stale[key]})
        return data


class BaseStepFormSet(forms.BaseFormSet):
    """The ordered steps of a circuit. Every form may be left blank (a blank step is ignored,
    so the "add a step" button can add an empty one); "Rang" orders them, "Retirer" drops one.
    """

    def __init__(self, *args, extra: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if extra is not None:
            self.extra = extra

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["number"] = (index or 0) + 1
        return kwargs

    def _construct_form(self, i, **kwargs):
        kwargs.setdefault("empty_permitted", True)
        return super()._construct_form(i, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        number = (index or 0) + 1
        form.fields["ORDER"].label = _("Rang dans le circuit")
        form.fields["ORDER"].error_messages["invalid"] = _(
            "Étape %(n)s : le rang doit être un nombre entier.") % {"n": number}
        form.fields["DELETE"].label = _("Retirer cette étape")

    def kept_forms(self) -> list[StepForm]:
        """The steps to keep, in circuit order: not blank, not removed, sorted by rank (a step
        without a rank goes last), page order between equal ranks."""
        kept = [(i, f) for i, f in enumerate(self.forms)
                if f.has_changed() and not self._should_delete_form(f)]

        def rank(item):
            order = item[1].cleaned_data.get("ORDER")
            return (order is None, order or 0, item[0])

        return [f for _i, f in sorted(kept, key=rank)]

    def clean(self):
        if any(self.errors):
            return
        if not self.kept_forms():
            raise forms.ValidationError(_(
                "Étapes : le circuit doit comporter au moins une étape (visa, signature ou "
                "cachet serveur)."))

    def specs(self, actors: ActorChoices) -> list[StepSpec]:
        return [StepSpec(f.cleaned_data["kind"],
                         [actors.actor(k) for k in f.cleaned_data["actors"]],
                         f.cleaned_data["mode"], f.cleaned_data["label"])
                for f in self.kept_forms()]

    def raw_rows(self) -> list[dict]:
        """The values typed so far, as initial data for the same page with one more step."""
        return [{name: f[name].value() for name in f.fields} for f in self.forms]


StepFormSet = forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=0, can_order=True,
                                    can_delete=True, max_num=30, validate_max=True)


def _person_field(label: str, required: str, invalid: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=RegistryPerson.objects.none(), to_field_name="uid",
                                  label=label, empty_label=_("— choisir —"),
                                  error_messages={"required": required,
                                                  "invalid_choice": invalid})


class DelegationForm(forms.Form):
    delegator = _person_field(
        _("Personne absente (délégant)"),
        _("Délégant : choisissez la personne absente."),
        _("Délégant : choisissez la personne absente parmi les personnes de la collectivité."))
    delegate = _person_field(
        _("Personne qui la remplace (délégataire)"),
        _("Délégataire : choisissez la personne qui agira pendant l'absence."),
        _("Délégataire : choisissez une personne de la même collectivité que le délégant."))
    start = forms.DateField(
        label=_("Du (premier jour)"), widget=forms.DateInput(**DATE_WIDGET),
        error_messages={"required": _("Date de début : indiquez le premier jour de la "
                                      "délégation."),
                        "invalid": _("Date de début : ce n'est pas une date (JJ/MM/AAAA).")})
    end = forms.DateField(
        label=_("Au (dernier jour, inclus)"), widget=forms.DateInput(**DATE_WIDGET),
        error_messages={"required": _("Date de fin : indiquez le dernier jour de la "
                                      "délégation."),
                        "invalid": _("Date de fin : ce n'est pas une date (JJ/MM/AAAA).")})

    def __init__(self, *args, member: RegistryMember, **kwargs):
        super().__init__(*args, **kwargs)
        sitting = people_of(member)
        self.fields["delegator"].queryset = sitting
        self.fields["delegate"].queryset = sitting

    def clean(self):
        data = super().clean()
        delegator, delegate = data.get("delegator"), data.get("delegate")
        if delegator is not None and delegator == delegate:
            self.add_error("delegate", _("Délégataire : une personne ne peut pas se déléguer "
                                         "à elle-même ; choisissez quelqu'un d'autre."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _(
                "Date de fin : la délégation doit finir le jour où elle commence ou après "
                "(elle commence le %(start)s).") % {"start": start.strftime("%d/%m/%Y")})
        return data
