"""The démarche's form, built from its fields (the same form for the citizen on the site and for
the agent who records a counter, phone or letter request), and its anti-spam token."""

from __future__ import annotations

import io
import secrets
import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from mutualis import conf
from mutualis.uploads import ANNEX_TYPES, CheckedFileField, sniff

from . import courrier_link
from .models import Channel, Demarche

TOKEN_SALT = "grc.form"
HONEYPOT = "site_web"
PHOTO_TYPES = frozenset({"image/png", "image/jpeg"})
PIL_FORMATS = {"JPEG", "PNG", "MPO"}  # MPO: the JPEG of many phones


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo"


class PhotoField(CheckedFileField):
    """A photo: JPEG or PNG by content, really an image (Pillow decodes it), not too large."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, kinds=None, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        limit = int(conf.MUTUALIS_GRC_PHOTO_MAX_SIZE)
        if upload.size > limit:
            raise ValidationError(_t("La photo « %(name)s » pèse %(size)s : la limite est de "
                                     "%(limit)s. Réduisez-la ou prenez-en une autre.")
                                  % {"name": upload.name, "size": _megabytes(upload.size),
                                     "limit": _megabytes(limit)})
        upload.seek(0)
        content = upload.read()
        upload.seek(0)
        try:
            with Image.open(io.BytesIO(content)) as image:
                found = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            found = None
        if found not in PIL_FORMATS:
            raise ValidationError(_t("Le fichier « %(name)s » n'est pas une photo JPEG ou PNG "
                                     "lisible : choisissez une image.") % {"name": upload.name})
        return upload


def new_form_token() -> str:
    """Signed: when the form was opened, and a nonce that makes the request unique."""
    return signing.dumps({"t": time.time(), "n": secrets.token_urlsafe(16)}, salt=TOKEN_SALT)


def token_problem(token: str) -> str | None:
    """Why a posted form token is refused (robot or stale form), None when it is fine."""
    try:
        opened = float(signing.loads(token, salt=TOKEN_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _t("Le formulaire a expiré ou n'est pas celui du site : rechargez la page et "
                  "envoyez-le à nouveau.")
    age = time.time() - opened
    if age < float(conf.MUTUALIS_GRC_MIN_FILL_SECONDS):
        return _t("Le formulaire a été envoyé trop vite pour avoir été rempli par une "
                  "personne : relisez-le et envoyez-le à nouveau.")
    if age > float(conf.MUTUALIS_GRC_FORM_HOURS) * 3600:
        return _t("Le formulaire est ouvert depuis trop longtemps : vérifiez-le et envoyez-le "
                  "à nouveau.")
    return None


def _field(spec: dict) -> forms.Field:
    required, label = bool(spec.get("required")), spec["label"]
    help_text = spec.get("help", "")
    kind = spec.get("type", "text")
    common = {"label": label, "required": required, "help_text": help_text}
    if kind == "textarea":
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                               **common)
    if kind == "choice":
        choices = [("", _t("— choisissez —"))] + [(c, c) for c in spec.get("choices", [])]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               input_formats=["%Y-%m-%d", "%d/%m/%Y"], **common)
    if kind == "number":
        return forms.IntegerField(min_value=0, max_value=100000, **common)
    if kind == "location":
        return forms.CharField(max_length=300, widget=forms.TextInput(
            attrs={"autocomplete": "street-address"}), **common)
    return forms.CharField(max_length=300, **common)


COORDINATES = "coordonnees"  # answers[f"{slug}-coordonnees"]: "46.21830, -0.14790"


class CoordinateField(forms.DecimalField):
    """A latitude or longitude, with a decimal comma or point (« 46,2183 » as people write it
    in French, « 46.2183 » as a map or a GPS gives it)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        return super().to_python(value.replace(",", ".").strip() if isinstance(value, str)
                                 else value)

    def widget_attrs(self, widget):
        return {}  # no min, max or step: a text input


def _coordinates(spec: dict) -> dict[str, forms.Field]:
    """A place's optional position: two numbers typed (or set by the map where JavaScript
    runs and a tile server is configured)."""
    slug = spec["slug"]
    return {f"g_{slug}_lat": CoordinateField(
                label=_t("Latitude (facultatif)"), required=False, min_value=-90,
                max_value=90, decimal_places=6, help_text=_t("Par exemple 46.2183.")),
            f"g_{slug}_lon": CoordinateField(
                label=_t("Longitude (facultatif)"), required=False, min_value=-180,
                max_value=180, decimal_places=6, help_text=_t("Par exemple -0.1479."))}


class RequestForm(forms.Form):
    """The citizen's identity, then the démarche's own fields and attachments."""

    name = forms.CharField(label=_("Vos nom et prénom"), max_length=150,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Votre adresse de courriel"), required=False,
                             help_text=_("Format attendu : nom@exemple.fr. Vous y recevrez "
                                         "le code de suivi."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Votre téléphone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))

    def __init__(self, demarche: Demarche, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.demarche, self.staff = demarche, staff
        if staff:  # the agent types what the citizen says
            self.fields["name"].label = _t("Nom et prénom du demandeur")
            self.fields["email"].label = _t("Courriel du demandeur")
            self.fields["email"].help_text = _t("Il y recevra le code de suivi.")
            self.fields["phone"].label = _t("Téléphone du demandeur")
        else:
            self.fields["email"].required = True
        for spec in demarche.open_fields():  # a retired field is no longer asked
            self.fields[f"f_{spec['slug']}"] = _field(spec)
            if spec.get("type") == "location":
                self.fields.update(_coordinates(spec))
        for spec in demarche.open_attachments():
            common = {"label": spec["label"], "required": bool(spec.get("required")),
                      "help_text": spec.get("help", "")}
            self.fields[f"a_{spec['slug']}"] = (
                PhotoField(**common) if spec.get("kind") == "image"
                else CheckedFileField(kinds=frozenset(ANNEX_TYPES), **common))
        if staff:
            self.fields["channel"] = forms.ChoiceField(
                label=_("Canal"), initial=Channel.PHONE,
                choices=[c for c in Channel.choices if c[0] != Channel.WEB])
            self.fields["postal_address"] = forms.CharField(
                label=_("Adresse postale du demandeur"), max_length=300, required=False)
            self.fields["courrier_chrono"] = forms.CharField(
                label=_("N° chrono du registre du courrier (pour un courrier)"),
                max_length=40, required=False)
            if courrier_link.has_register(demarche.member):
                self.fields["courrier_chrono"].help_text = _t(
                    "Obligatoire pour une demande reçue par courrier : le numéro porté sur le "
                    "pli enregistré au registre, par exemple 2026-A-000012.")
        else:
            self.fields["form_token"] = forms.CharField(widget=forms.HiddenInput)
            self.fields[HONEYPOT] = forms.CharField(
                label=_("Laissez ce champ vide"), required=False,
                widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        for spec in self.demarche.open_fields():
            if spec.get("type") != "location":
                continue
            lat, lon = (f"g_{spec['slug']}_lat", f"g_{spec['slug']}_lon")
            if (data.get(lat) is None) != (data.get(lon) is None) and not (
                    self.errors.get(lat) or self.errors.get(lon)):
                self.add_error(lon if data.get(lon) is None else lat, _t(
                    "« %(label)s » : donnez la latitude et la longitude, ou aucune des deux.")
                    % {"label": spec["label"]})
        if self.staff and "courrier_chrono" in data:
            try:
                data["courrier_chrono"] = courrier_link.checked_chrono(
                    self.demarche.member, data["courrier_chrono"],
                    letter=data.get("channel") == Channel.LETTER)
            except courrier_link.ChronoProblem as problem:
                self.add_error("courrier_chrono", str(problem))
        if self.staff and not (data.get("email") or data.get("phone")
                               or data.get("postal_address")):
            raise ValidationError(_t("Donnez un moyen de répondre au demandeur : un courriel, "
                                     "un téléphone ou une adresse postale."))
        return data

    @property
    def is_spam_trap_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def identity_fields(self):
        return [self[n] for n in ("name", "email", "phone") if n in self.fields]

    def demarche_fields(self):
        return [self[n] for n in self.fields if n.startswith("f_")]

    def demarche_items(self):
        """Each field of the démarche with its position fields (latitude, longitude) when it is
        a place, else None."""
        for spec in self.demarche.open_fields():
            slug = spec["slug"]
            position = None
            if f"g_{slug}_lat" in self.fields:
                position = (self[f"g_{slug}_lat"], self[f"g_{slug}_lon"])
            yield self[f"f_{slug}"], position

    def attachment_fields(self):
        return [self[n] for n in self.fields if n.startswith("a_")]

    def answers(self) -> dict:
        """The démarche's answers, by field slug, as text (dates in ISO)."""
        out = {}
        for spec in self.demarche.open_fields():
            value = self.cleaned_data.get(f"f_{spec['slug']}")
            if value not in (None, ""):
                out[spec["slug"]] = value.isoformat() if hasattr(value, "isoformat") else (
                    str(value))
            lat = self.cleaned_data.get(f"g_{spec['slug']}_lat")
            lon = self.cleaned_data.get(f"g_{spec['slug']}_lon")
            if lat is not None and lon is not None:
                out[f"{spec['slug']}-{COORDINATES}"] = f"{lat:.6f}, {lon:.6f}"
        return out

    def uploads(self):
        from .services import Upload

        for spec in self.demarche.open_attachments():
            upload = self.cleaned_data.get(f"a_{spec['slug']}")
            if upload:
                upload.seek(0)
                content = upload.read()
                kind = sniff(content[:4096]) or "application/octet-stream"
                yield Upload(spec["slug"], spec["label"], upload.name, content, kind)


class FollowForm(forms.Form):
    code = forms.CharField(label=_("Code de suivi"), max_length=30,
                           help_text=_("Les 10 caractères reçus par courriel, par exemple "
                                       "K7RM-2QXP4H."),
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))
