"""What the journeys share: the demo they run against, and a person's browsing session that
screenshots and audits every page it visits."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from tests.browser import VIEWPORTS, serious
from tests.factories import make_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journeys"


@dataclass
class Demo:
    root: Path
    var: Path
    port: int
    env: dict
    command: list[str]
    output: str
    admin_link: str
    mailbox: str
    story: dict = field(default_factory=dict)  # what the journeys made so far, by name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def site(self, hostname: str) -> str:
        return f"http://{hostname}:{self.port}"

    def cli(self, *args: str) -> str:
        """Run a `mutualis` command on the demo's var/; its standard output."""
        done = subprocess.run([*self.command, *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"mutualis {' '.join(args)}: {done.stderr}"
        return done.stdout


@dataclass
class Visitor:
    """One person's browser: every page they reach is screenshot and audited."""

    journey: str
    context: object
    viewport: str = "desktop"
    problems: list[str] = field(default_factory=list)
    count: int = 0

    def __post_init__(self):
        self.page = self.context.new_page()
        self.folder = ARTIFACTS / self.journey
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob(f"*-{self.viewport}.png"):
            old.unlink()
        self.axe = Axe()

    def goto(self, url: str, name: str, status: int = 200):
        response = self.page.goto(url)
        assert response.status == status, f"{url}: HTTP {response.status}, not {status}"
        self.look(name)
        return response

    def look(self, name: str) -> None:
        """Screenshot the page as it is now and audit it."""
        self.page.wait_for_load_state()
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{slug}-{self.viewport}.png"),
                             full_page=True, animations="disabled")
        self.problems += [f"{name} ({self.page.url}): {p}"
                          for p in serious(self.axe.run(self.page))]

    def text(self) -> str:
        return self.page.inner_text("body")

    def assert_accessible(self) -> None:
        assert not self.problems, "axe violations:\n" + "\n".join(self.problems)


def visitor(browser, journey: str, viewport: str = "desktop") -> Visitor:
    # Animations finished before each audit: a message fading in is no contrast failure.
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="fr-FR",
                                  reduced_motion="reduce")
    return Visitor(journey, context, viewport)


def open_mail(person: Visitor, mailbox: str, address: str, subject: str) -> None:
    """In the demo mailbox, open the newest message to `address` whose subject has
    `subject`, as the person would in their mail client."""
    person.goto(f"{mailbox}?to={address}", f"mailbox of {address}")
    person.page.get_by_role("link", name=subject).first.click()
    person.look(f"mail {subject}")


def log_in(person: Visitor, site: str, uid: str, password: str) -> None:
    person.goto(site + "/connexion/", "login")
    person.page.get_by_label("Identifiant").fill(uid)
    person.page.get_by_label("Mot de passe").fill(password)
    person.page.get_by_role("button", name="Se connecter").click()
    person.page.wait_for_load_state()


def activate_account(person: Visitor, demo: Demo, address: str, password: str) -> None:
    """From the welcome mail: open the activation link and choose a password."""
    open_mail(person, demo.mailbox, address, "choisissez votre mot de passe")
    person.page.locator("a[href*=\"/activation/\"]").first.click()
    person.look("activation form")
    person.page.get_by_label("Nouveau mot de passe").fill(password)
    person.page.get_by_label("Confirmez le mot de passe").fill(password)
    person.page.get_by_role("button", name="Enregistrer le mot de passe").click()
    person.look("password chosen")
    assert "Votre mot de passe est enregistré" in person.text()


def signed_in(person: Visitor, demo: Demo, site: str, who: dict) -> None:
    """Logged in on `site` as `who` (tests/journeys/people.py); the account activated first
    when no earlier journey did (each journey may run alone)."""
    log_in(person, site, who["uid"], who["password"])
    if "/connexion/" in person.page.url:
        activate_account(person, demo, who["email"], who["password"])
        log_in(person, site, who["uid"], who["password"])


def password_again(person: Visitor, demo: Demo, who: dict) -> None:
    """The account as earlier journeys left it: the same password, chosen again from a fresh
    link (`mutualis passwd-link`), whether or not an earlier journey activated it."""
    person.goto(demo.cli("passwd-link", who["uid"]).strip(), "activation")
    person.page.get_by_label("Nouveau mot de passe").fill(who["password"])
    person.page.get_by_label("Confirmez le mot de passe").fill(who["password"])
    person.page.get_by_role("button", name="Enregistrer le mot de passe").click()
    person.look("password chosen")


def pdf_file(folder: Path, name: str, title: str) -> Path:
    """A one-page PDF such as a secrétaire would upload."""
    path = folder / name
    path.write_bytes(make_pdf(title, title=title))
    return path
