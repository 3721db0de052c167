"""Per-site settings of a commune: identity, colours, address, hours, contact, social links."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from ..theme import Palette, palette

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Saisissez une couleur #rrggbb."))
MANAGED = _("Valeur déclarée par le syndicat : elle est rétablie à chaque mise à jour.")

# Links to social networks, as (field name, label shown to visitors).
SOCIAL_NETWORKS = (
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("mastodon", "Mastodon"),
    ("linkedin", "LinkedIn"),
    ("youtube", "YouTube"),
)


@register_setting(icon="site")
class CommuneSettings(BaseSiteSetting):
    # Declared by the inventory (managed by provisioning).
    name = models.CharField(_("nom"), max_length=200, help_text=MANAGED)
    code = models.CharField(_("code INSEE ou SIREN"), max_length=9, help_text=MANAGED)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    address = models.TextField(_("adresse de la mairie"), blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    # The commune's own choices, seeded once and then theirs.
    logo = models.ForeignKey("wagtailimages.Image", verbose_name=_("logo ou blason"), null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    primary_color = models.CharField(
        _("couleur principale"), max_length=7, default="#1d5c8c", validators=[colour_validator],
        help_text=_("Le texte posé sur cette couleur est choisi pour rester lisible."))
    secondary_color = models.CharField(_("couleur secondaire"), max_length=7, default="#f2e8cf",
                                       validators=[colour_validator])
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    facebook = models.URLField(_("page Facebook"), blank=True)
    instagram = models.URLField(_("compte Instagram"), blank=True)
    mastodon = models.URLField(_("compte Mastodon"), blank=True)
    linkedin = models.URLField(_("page LinkedIn"), blank=True)
    youtube = models.URLField(_("chaîne YouTube"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("name", read_only=True), FieldPanel("code", read_only=True),
                         FieldPanel("siren", read_only=True)], heading=_("Identité")),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("primary_color"),
                         FieldPanel("secondary_color")], heading=_("Apparence")),
        MultiFieldPanel([FieldPanel("address"), FieldPanel("opening_hours"),
                         FieldPanel("email"), FieldPanel("phone")], heading=_("Contact")),
        MultiFieldPanel([FieldPanel(n) for n, _label in SOCIAL_NETWORKS],
                        heading=_("Réseaux sociaux")),
    ]

    class Meta:
        verbose_name = _("paramètres de la commune")

    @property
    def palette(self) -> Palette:
        return palette(self.primary_color, self.secondary_color)

    def social_links(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in SOCIAL_NETWORKS
                if getattr(self, name)]
