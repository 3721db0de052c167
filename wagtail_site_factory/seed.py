"""The commune site template: the page tree a new site starts with, seeded once.

Everything here is a seed: the editors then own these pages, and provisioning never writes
them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from .models import (
    ActIndexPage,
    AgendaPage,
    ContactPage,
    DemarcheLink,
    DemarchesPage,
    HomePage,
    MunicipalLifePage,
    NewsIndexPage,
    NewsPage,
    QuickLink,
    StandardPage,
    SyndicatePage,
)

TEMPLATES = ("commune",)

# Démarches every commune's visitors look for, on the State's official portal.
DEMARCHES = [
    ("Actes d'état civil (naissance, mariage, décès)",
     "https://www.service-public.fr/particuliers/vosdroits/N359",
     "Demander une copie ou un extrait d'acte."),
    ("Carte d'identité et passeport",
     "https://www.service-public.fr/particuliers/vosdroits/N358",
     "Prendre rendez-vous et préparer son dossier."),
    ("Inscription sur les listes électorales",
     "https://www.service-public.fr/particuliers/vosdroits/F1367", ""),
    ("Urbanisme : permis de construire, déclaration préalable",
     "https://www.service-public.fr/particuliers/vosdroits/N319", ""),
]


@dataclass(frozen=True)
class Seed:
    code: str
    name: str
    publisher: str  # the syndicate that hosts the site


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _live(page: Page) -> Page:
    now = timezone.now()
    page.live, page.first_published_at, page.last_published_at = True, now, now
    return page


def legal_notice(seed: Seed) -> str:
    return _p(
        _("Éditeur du site : %(name)s, représentée par son maire, directeur de la "
          "publication.") % {"name": seed.name},
        _("Hébergement : %(publisher)s, qui héberge les sites de ses membres.")
        % {"publisher": seed.publisher},
        _("Données personnelles : les messages envoyés par le formulaire de contact sont "
          "transmis à la mairie et servent seulement à vous répondre. Vous pouvez exercer vos "
          "droits d'accès, de rectification et d'effacement auprès de la mairie."),
        _("Ce site ne dépose aucun cookie de mesure d'audience ni de réseau social."))


def accessibility_statement(seed: Seed) -> str:
    return _p(
        _("%(name)s s'engage à rendre son site internet accessible conformément à "
          "l'article 47 de la loi n° 2005-102 du 11 février 2005.") % {"name": seed.name},
        _("État de conformité : ce site n'a pas encore fait l'objet d'un audit de conformité "
          "au référentiel général d'amélioration de l'accessibilité (RGAA) ; il est donc "
          "non conforme. Ses gabarits sont vérifiés automatiquement à chaque évolution."),
        _("Retour d'information et contact : si vous n'arrivez pas à accéder à un contenu ou "
          "à un service, contactez la mairie pour être orienté vers une alternative "
          "accessible ou obtenir le contenu sous une autre forme."),
        _("Voies de recours : si vous avez signalé un défaut d'accessibilité sans obtenir de "
          "réponse satisfaisante, vous pouvez écrire au Défenseur des droits, le contacter "
          "par téléphone ou rencontrer l'un de ses délégués."))


def tree_root() -> Page:
    """Wagtail's root page (made by its migrations; made again on a database emptied since)."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", live=True))
    return root


def build(seed: Seed) -> HomePage:
    """Create the home page under Wagtail's root, then its children; all published."""
    root = tree_root()
    home = root.add_child(instance=_live(HomePage(
        title=seed.name, slug=f"site-{seed.code.lower()}",
        intro=_p(_("Bienvenue sur le site de %(name)s.") % {"name": seed.name}))))
    news = home.add_child(instance=_live(NewsIndexPage(
        title=_("Actualités"), slug="actualites", show_in_menus=True)))
    news.add_child(instance=_live(NewsPage(
        title=_("Notre nouveau site internet"), slug="nouveau-site",
        intro=_("La commune ouvre son site : actualités, agenda, démarches et actes."),
        body=_p(_("Retrouvez ici la vie de la commune et les démarches en ligne.")))))
    agenda = home.add_child(instance=_live(AgendaPage(
        title=_("Agenda"), slug="agenda", show_in_menus=True,
        intro=_("Les prochains événements de la commune."))))
    municipal = home.add_child(instance=_live(MunicipalLifePage(
        title=_("Vie municipale"), slug="vie-municipale", show_in_menus=True,
        intro=_p(_("Le conseil municipal, ses séances et les actes publiés.")))))
    acts = municipal.add_child(instance=_live(ActIndexPage(
        title=_("Actes publiés"), slug="actes",
        intro=_("Délibérations, arrêtés et procès-verbaux, avec leur texte intégral."))))
    demarches = _live(DemarchesPage(
        title=_("Démarches"), slug="demarches", show_in_menus=True,
        intro=_p(_("Les démarches courantes, et un formulaire pour écrire à la mairie."))))
    demarches.links = [DemarcheLink(title=t, url=u, description=d) for t, u, d in DEMARCHES]
    home.add_child(instance=demarches)
    contact = home.add_child(instance=_live(ContactPage(
        title=_("Contact"), slug="contact", show_in_menus=True,
        intro=_p(_("La mairie vous accueille aux horaires ci-dessous.")))))
    home.add_child(instance=_live(StandardPage(
        title=_("Mentions légales"), slug="mentions-legales", show_in_menus=False,
        body=legal_notice(seed))))
    home.add_child(instance=_live(StandardPage(
        title=_("Déclaration d'accessibilité"), slug="accessibilite", show_in_menus=False,
        body=accessibility_statement(seed))))
    home.quick_links = [QuickLink(title=title, link_page=page) for title, page in (
        (_("Démarches"), demarches), (_("Agenda"), agenda), (_("Actes publiés"), acts),
        (_("Contacter la mairie"), contact))]
    home.save()
    return home


def syndicate_intro(name: str) -> str:
    return _p(_("%(name)s met en commun les services numériques de ses membres : sites "
                "internet, convocation des élus, parapheur et publication des actes.")
              % {"name": name})


def build_syndicate(name: str, siren: str) -> SyndicatePage:
    """The syndicate's page under Wagtail's root, published (its intro is a seed)."""
    return tree_root().add_child(instance=_live(SyndicatePage(
        title=name, slug=f"syndicat-{siren}", siren=siren, intro=syndicate_intro(name))))
