from .alerts import SiteAlert
from .base import SitePage
from .municipal import ACT_KINDS, ActIndexPage, ActPage, MunicipalLifePage, SittingPage
from .pages import HomePage, NewsIndexPage, NewsPage, QuickLink, StandardPage
from .services import AgendaPage, ContactPage, DemarcheLink, DemarchesPage
from .settings import CommuneSettings
from .syndicate import SyndicatePage
from .tenancy import DocumentIntegrity, MemberSite

__all__ = [
    "ACT_KINDS", "ActIndexPage", "ActPage", "AgendaPage", "CommuneSettings", "ContactPage",
    "DemarcheLink", "DemarchesPage", "DocumentIntegrity", "HomePage", "MemberSite",
    "MunicipalLifePage", "NewsIndexPage", "NewsPage", "QuickLink", "SiteAlert", "SitePage",
    "SittingPage", "StandardPage", "SyndicatePage",
]
