"""A member's staff adjust one of its démarches: its general settings (title, who treats it,
deadlines), its fields, its attachments and its statuses, each a formset (add a row, relabel,
make optional or required, reorder, retire). Nothing is deleted: a retired field, piece or
status stays in the démarche, so the requests that used it keep their answers, files and
history; every adjustment is kept with who made it and the démarche as it was before."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from provisioning.catalogue import ROLES

from .forms import COORDINATES
from .models import CitizenRequest, Demarche, DemarcheChange

FIELD_TYPES = [("text", _("texte court")), ("textarea", _("texte long")),
               ("choice", _("liste de choix")), ("date", _("date")), ("number", _("nombre")),
               ("location", _("lieu (adresse)"))]
PIECE_KINDS = [("image", _("photo (JPEG ou PNG)")), ("document", _("document"))]
# The status a delivery closes a request with (services.deliver): always there, always final.
DELIVERED = "delivree"
GENERAL = ["title", "intro", "purpose", "department", "role", "deadline_days", "reminder_days",
           "retention_days", "active"]


def staff_roles() -> list[tuple[str, str]]:
    return [(slug, spec["label"]) for slug, spec in ROLES.items() if not spec["elected"]]


class GeneralForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("Rôle qui traite les demandes"),
                             help_text=_("Les personnes de ce rôle reçoivent les relances."))

    class Meta:
        model = Demarche
        fields = GENERAL

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = staff_roles()
        self.fields["deadline_days"].min_value = 1
        self.fields["deadline_days"].widget.attrs.update(min=1, max=365)
        self.fields["reminder_days"].widget.attrs.update(min=1)
        self.fields["retention_days"].widget.attrs.update(min=1, max=3650)

    def clean_deadline_days(self):
        days = self.cleaned_data["deadline_days"]
        if not 1 <= days <= 365:
            raise ValidationError(_t("Le délai de traitement va de 1 à 365 jours."))
        return days

    def clean_retention_days(self):
        days = self.cleaned_data["retention_days"]
        if not 1 <= days <= 3650:
            raise ValidationError(_t("La conservation va de 1 à 3 650 jours (dix ans)."))
        return days

    def clean(self):
        data = super().clean()
        deadline, reminder = data.get("deadline_days"), data.get("reminder_days")
        if deadline and reminder is not None and not 1 <= reminder < deadline:
            self.add_error("reminder_days", _t(
                "La relance (après %(reminder)s jours) doit venir avant la fin du délai de "
                "traitement (%(deadline)s jours) : sinon elle arrive après l'escalade.")
                % {"reminder": reminder, "deadline": deadline})
        return data


class RowForm(forms.Form):
    """One field, piece or status; `slug` (hidden) names an existing one, empty for a new."""

    slug = forms.CharField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Libellé"), max_length=150, required=False)
    retired = forms.BooleanField(label=_("Retiré"), required=False,
                                 help_text=_("Plus proposé ; les demandes passées le gardent."))

    @property
    def is_new(self) -> bool:
        return not self.initial.get("slug")


class FieldRowForm(RowForm):
    type = forms.ChoiceField(label=_("Type"), choices=FIELD_TYPES, initial="text")
    required = forms.BooleanField(label=_("Obligatoire"), required=False)
    help = forms.CharField(label=_("Aide"), max_length=300, required=False)
    choices = forms.CharField(label=_("Choix proposés (un par ligne)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_new:  # past answers were typed for this type: it stays
            self.fields["type"].disabled = True
            self.fields["type"].help_text = _t("Le type d'un champ existant ne change pas : "
                                               "retirez-le et ajoutez-en un autre.")

    def clean(self):
        data = super().clean()
        lines = [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()]
        data["choice_list"] = list(dict.fromkeys(lines))
        if data.get("type") == "choice" and data.get("label") and not lines:
            self.add_error("choices", _t("Une liste de choix propose au moins un choix : "
                                         "écrivez-en un par ligne."))
        if any(len(c) > 150 for c in lines):
            self.add_error("choices", _t("Un choix fait au plus 150 caractères."))
        return data


class PieceRowForm(RowForm):
    kind = forms.ChoiceField(label=_("Nature"), choices=PIECE_KINDS, initial="document")
    required = forms.BooleanField(label=_("Obligatoire"), required=False)
    help = forms.CharField(label=_("Aide"), max_length=300, required=False)


class StatusRowForm(RowForm):
    citizen_label = forms.CharField(label=_("Ce que lit le demandeur"), max_length=200,
                                    required=False)
    final = forms.BooleanField(label=_("Clôt la demande"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("slug") == DELIVERED:  # « Délivrer » closes with it
            for name in ("final", "retired"):
                self.fields[name].disabled = True
            self.fields["final"].help_text = _t("Le statut de la délivrance : toujours là, "
                                                "il clôt la demande.")


class RowFormSet(forms.BaseFormSet):
    """The rows of one list: labels unique, an existing row never emptied, a new row with a
    label."""

    noun = _("champ")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = _t("Position")

    def clean(self):
        if any(self.errors):
            return
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if self.can_delete and self._should_delete_form(form):
                continue
            label = (form.cleaned_data.get("label") or "").strip()
            if not form.is_new and not label:
                form.add_error("label", _t("Le libellé ne peut pas être vide : pour ne plus "
                                           "le proposer, cochez « Retiré »."))
                continue
            if form.is_new and not label:
                if form.has_changed():
                    form.add_error("label", _t("Donnez un libellé à la ligne ajoutée, ou "
                                               "videz-la."))
                continue
            if form.cleaned_data.get("retired"):
                continue
            key = label.casefold()
            if key in seen:
                form.add_error("label", _t("« %(label)s » est déjà le libellé de la ligne "
                                           "%(n)s : deux %(noun)ss ne peuvent pas porter le "
                                           "même.") % {"label": label, "n": seen[key],
                                                       "noun": self.noun})
            seen[key] = number
        if any(self.errors):
            raise ValidationError(_t("Des lignes de la liste des %(noun)ss sont à corriger.")
                                  % {"noun": self.noun})


def _formset(form, noun):
    return forms.formset_factory(form, formset=type(f"{form.__name__}Set", (RowFormSet,),
                                                    {"noun": noun}),
                                 extra=1, can_order=True)


FieldFormSet = _formset(FieldRowForm, _("champ"))
PieceFormSet = _formset(PieceRowForm, _("pièce"))
StatusFormSet = _formset(StatusRowForm, _("statut"))


def _field_initial(spec):
    return {"slug": spec["slug"], "label": spec["label"], "type": spec.get("type", "text"),
            "required": bool(spec.get("required")), "help": spec.get("help", ""),
            "choices": "\n".join(spec.get("choices", [])), "retired": bool(spec.get("retired"))}


def _piece_initial(spec):
    return {"slug": spec["slug"], "label": spec["label"], "kind": spec.get("kind", "document"),
            "required": bool(spec.get("required")), "help": spec.get("help", ""),
            "retired": bool(spec.get("retired"))}


def _status_initial(spec):
    return {"slug": spec["slug"], "label": spec["label"],
            "citizen_label": spec.get("citizen_label", ""), "final": bool(spec.get("final")),
            "retired": bool(spec.get("retired"))}


def _with_order(initial: list[dict]) -> list[dict]:
    return [{**row, "ORDER": n} for n, row in enumerate(initial, start=1)]


class Adjustment:
    """The four forms of the page, bound or not, and their validation across forms."""

    def __init__(self, demarche: Demarche, data=None):
        self.demarche = demarche
        self.general = GeneralForm(data, instance=demarche, prefix="g")
        self.fields = FieldFormSet(data, prefix="champs", initial=_with_order(
            [_field_initial(s) for s in demarche.fields]))
        self.pieces = PieceFormSet(data, prefix="pieces", initial=_with_order(
            [_piece_initial(s) for s in demarche.attachments]))
        self.statuses = StatusFormSet(data, prefix="statuts", initial=_with_order(
            [_status_initial(s) for s in demarche.statuses]))
        self.version = (data or {}).get("version", "")
        self.problems: list[str] = []

    def sets(self):
        return [self.fields, self.pieces, self.statuses]

    def is_valid(self) -> bool:
        if self.version != version_of(self.demarche):  # its rows are not the ones shown
            self.problems.append(STALE)
            return False
        valid = self.general.is_valid()
        valid = all([s.is_valid() for s in self.sets()]) and valid
        if valid:
            self._check_slugs()
            self._check_statuses()
        return valid and not self.problems

    def _check_slugs(self):
        """Each row posts the slug it was shown with (a form edited by hand does not)."""
        for formset in self.sets():
            for form in formset.forms:
                if (form.cleaned_data.get("slug") or "") != (form.initial.get("slug") or ""):
                    self.problems.append(_t("Une ligne du formulaire ne correspond pas à "
                                            "cette démarche : rechargez la page."))
                    return

    def _check_statuses(self):
        rows = self.rows(self.statuses, self.demarche.statuses, _status_row)
        open_ = [r for r in rows if not r.get("retired")]
        if not open_ or open_[0].get("final"):
            first = open_[0]["label"] if open_ else "—"
            self.problems.append(_t(
                "Le premier statut, « %(label)s », est celui d'une demande qui arrive : il ne "
                "peut pas clore la demande. Placez d'abord un statut qui ne la clôt pas.")
                % {"label": first})
        if not any(not r.get("final") for r in open_):
            self.problems.append(_t("Gardez au moins un statut qui ne clôt pas la demande."))
        retiring = [r for r in rows if r.get("retired")
                    and not self.demarche.status(r["slug"]).get("retired")]
        for row in retiring:
            held = CitizenRequest.objects.filter(demarche=self.demarche, status=row["slug"],
                                                 closed_at__isnull=True).count()
            if held:
                self.problems.append(_t(
                    "%(n)s demande(s) en cours ont le statut « %(label)s » : changez leur "
                    "statut avant de le retirer.") % {"n": held, "label": row["label"]})
        for row in rows:
            if not row.get("retired") and not row.get("citizen_label"):
                self.problems.append(_t("Le statut « %(label)s » : écrivez ce que lit le "
                                        "demandeur quand sa demande le prend.")
                                     % {"label": row["label"]})

    def rows(self, formset, old: list[dict], make) -> list[dict]:
        """The list as posted, in its new order, each row with its slug (new slugs made from
        the label, unique among every slug the list ever had)."""
        by_slug = {s["slug"]: s for s in old}
        # A place's position is answered under "<slug>-coordonnees" (forms.COORDINATES).
        taken = set(by_slug) | {f"{s}-{COORDINATES}" for s in by_slug}
        out = []
        for form in formset.ordered_forms:
            data = form.cleaned_data
            label = (data.get("label") or "").strip()
            if not label:
                continue
            slug = form.initial.get("slug") or _new_slug(label, taken)
            taken.add(slug)
            out.append(make(by_slug.get(slug, {}), slug, label, data))
        # An existing row missing from the post (a form cut short) is kept as it was.
        kept = {r["slug"] for r in out}
        out += [s for s in old if s["slug"] not in kept]
        return out

    @transaction.atomic
    def save(self, by) -> DemarcheChange | None:
        """Apply the adjustment; the change kept, or None when nothing changed."""
        demarche = Demarche.objects.select_for_update().get(pk=self.demarche.pk)
        before = snapshot(demarche)
        latest = demarche.changes.values_list("pk", flat=True).first()
        if self.version != str(latest or 0):
            raise Stale()
        for name in GENERAL:
            setattr(demarche, name, self.general.cleaned_data[name])
        demarche.fields = self.rows(self.fields, demarche.fields, _field_row)
        demarche.attachments = self.rows(self.pieces, demarche.attachments, _piece_row)
        demarche.statuses = self.rows(self.statuses, demarche.statuses, _status_row)
        lines = describe(before, snapshot(demarche))
        if not lines:
            return None
        demarche.save()
        self.demarche = demarche
        return DemarcheChange.objects.create(demarche=demarche, by=by, summary="\n".join(lines),
                                             before=before)


class Stale(Exception):
    """The démarche was adjusted by someone else since the page was opened."""


STALE = _("Quelqu'un a modifié cette démarche depuis que vous avez ouvert la page : "
          "rechargez-la pour repartir de ses réglages actuels (ce que vous aviez saisi n'a pas "
          "été enregistré).")


def version_of(demarche: Demarche) -> str:
    return str(demarche.changes.values_list("pk", flat=True).first() or 0)


def _new_slug(label: str, taken: set[str]) -> str:
    base = (slugify(label)[:50] or "champ").strip("-") or "champ"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _field_row(old, slug, label, data):
    row = {**old, "slug": slug, "label": label, "type": old.get("type") or data["type"],
           "required": data["required"], "help": data["help"].strip()}
    if row["type"] == "choice":
        row["choices"] = data["choice_list"]
    return _retired(row, data)


def _piece_row(old, slug, label, data):
    return _retired({**old, "slug": slug, "label": label, "kind": old.get("kind") or data["kind"],
                     "required": data["required"], "help": data["help"].strip()}, data)


def _status_row(old, slug, label, data):
    row = {**old, "slug": slug, "label": label,
           "citizen_label": (data.get("citizen_label") or "").strip(),
           "final": True if slug == DELIVERED else data["final"]}
    return _retired(row, {"retired": False} if slug == DELIVERED else data)


def _retired(row, data):
    row.pop("retired", None)
    if data.get("retired"):
        row["retired"] = True
    return row


def snapshot(demarche: Demarche) -> dict:
    out = {name: getattr(demarche, name) for name in GENERAL}
    out.update(fields=demarche.fields, attachments=demarche.attachments,
               statuses=demarche.statuses)
    return out


LISTS = [("fields", _("Champ")), ("attachments", _("Pièce jointe")), ("statuses", _("Statut"))]
ROW_KEYS = {"required": (_("obligatoire"), _("facultatif")),
            "final": (_("clôt la demande"), _("ne clôt plus la demande"))}
ROW_TEXTS = {"help": _("aide"), "choices": _("choix proposés"),
             "citizen_label": _("texte lu par le demandeur")}


def describe(before: dict, after: dict) -> list[str]:
    """The change in sentences, for the démarche's history."""
    lines = []
    for name in GENERAL:
        if before[name] != after[name]:
            verbose = Demarche._meta.get_field(name).verbose_name
            lines.append(_t("%(what)s : « %(old)s » → « %(new)s »") % {
                "what": str(verbose).capitalize(), "old": _shown(before[name]),
                "new": _shown(after[name])})
    for key, noun in LISTS:
        old = {r["slug"]: r for r in before[key]}
        for row in after[key]:
            was = old.get(row["slug"])
            what = {"noun": noun, "label": row["label"]}
            if was is None:
                lines.append(_t("%(noun)s ajouté : « %(label)s »") % what)
                continue
            if was["label"] != row["label"]:
                lines.append(_t("%(noun)s « %(old)s » renommé « %(label)s »")
                             % {**what, "old": was["label"]})
            if bool(was.get("retired")) != bool(row.get("retired")):
                lines.append((_t("%(noun)s retiré : « %(label)s »") if row.get("retired")
                              else _t("%(noun)s remis en service : « %(label)s »")) % what)
            for flag, (yes, no) in ROW_KEYS.items():
                if flag in row and bool(was.get(flag)) != bool(row.get(flag)):
                    lines.append(_t("%(noun)s « %(label)s » : %(state)s")
                                 % {**what, "state": yes if row.get(flag) else no})
            for text, words in ROW_TEXTS.items():
                if (was.get(text) or "") != (row.get(text) or ""):
                    lines.append(_t("%(noun)s « %(label)s » : %(words)s modifié(e)s")
                                 % {**what, "words": words})
        order = [r["slug"] for r in after[key] if r["slug"] in old]
        if order != [r["slug"] for r in before[key] if r["slug"] in order]:
            lines.append(_t("Ordre modifié : %(noun)ss") % {"noun": str(noun).lower()})
    return lines


def _shown(value) -> str:
    if value is True:
        return _t("oui")
    if value is False:
        return _t("non")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"
