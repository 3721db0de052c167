"""A member's staff adjust a démarche (/admin/grc/demarches/<slug>/): its settings, fields,
attachments and statuses; each refusal names what is wrong; nothing is deleted (a retired
field keeps the answers given to it); every adjustment is in the démarche's history."""

from __future__ import annotations

import html

from grc import services
from grc.admin_views import StatusForm
from grc.models import CitizenRequest, DemarcheChange
from grc.templates_data import instantiate

from .helpers import as_posted, host_client, staff_user

URL = "/admin/grc/demarches/signalement/"


def text(answer) -> str:
    return html.unescape(answer.content.decode())


def row(data: dict, prefix: str, slug: str) -> str:
    """The form prefix (`champs-2`) of the row showing `slug`."""
    return next(k[:-5] for k, v in data.items() if k.startswith(prefix) and k.endswith("-slug")
                and v == slug)


def test_fields_are_added_relabelled_reordered_and_retired_without_losing_answers(commune):
    agent = host_client(commune, staff_user(commune, "zsecretaire"))
    demarche = instantiate(commune, "signalement")
    past, _new = services.file_request(demarche, name="Jeanne", email="j@example.fr", answers={
        "categorie": "Éclairage public", "lieu": "Place du marché", "description": "Éteint"})
    assert "Nature du problème" in text(agent.get(URL))
    data = as_posted(demarche)
    category, place = row(data, "champs", "categorie"), row(data, "champs", "lieu")
    description = row(data, "champs", "description")
    data[f"{category}-retired"] = "on"
    data[f"{description}-label"] = "Décrivez le problème"
    data[f"{description}-ORDER"] = "0"  # first
    data.pop(f"{place}-required")  # optional now
    data.update({"champs-3-label": "Numéro du lampadaire", "champs-3-type": "text",
                 "champs-3-required": "on", "champs-3-help": "Il est peint sur le mât."})
    answer = agent.post(URL, data)
    assert answer.status_code == 302, text(answer)[:4000]

    demarche.refresh_from_db()
    assert [f["slug"] for f in demarche.fields] == [
        "description", "categorie", "lieu", "numero-du-lampadaire"]
    assert demarche.fields[1]["retired"] and not demarche.fields[2]["required"]
    form = text(host_client(commune).get("/demarches/en-ligne/signalement/"))
    assert "Numéro du lampadaire" in form and "Il est peint sur le mât." in form
    assert "Nature du problème" not in form and "Décrivez le problème" in form
    assert form.index("Décrivez le problème") < form.index("Lieu (adresse ou repère)")
    # The past request keeps its answer to the retired field, under the field's label.
    page = text(agent.get(f"/admin/grc/{past.pk}/"))
    assert "Nature du problème" in page and "Éclairage public" in page

    change = DemarcheChange.objects.get(demarche=demarche)
    assert change.by.username == "zsecretaire"
    assert change.before["fields"][0]["slug"] == "categorie"  # as it was
    for line in ("Champ ajouté : « Numéro du lampadaire »",
                 "Champ retiré : « Nature du problème »",
                 "Champ « Description » renommé « Décrivez le problème »",
                 "Champ « Lieu (adresse ou repère) » : facultatif", "Ordre modifié : champs"):
        assert line in change.summary
    history = text(agent.get(URL))
    assert "Numéro du lampadaire" in history and "zsecretaire" in history

    # Put back: the retired field returns with its slug (and the answers already given).
    data = as_posted(demarche)
    data.pop(f"{row(data, 'champs', 'categorie')}-retired")
    assert agent.post(URL, data).status_code == 302
    demarche.refresh_from_db()
    assert "retired" not in demarche.fields[1]
    assert "remis en service" in demarche.changes.first().summary
    unchanged = agent.post(URL, as_posted(demarche), follow=True)
    assert "Rien n'a changé" in text(unchanged) and demarche.changes.count() == 2


def test_settings_pieces_and_who_treats_it(commune, other):
    agent = host_client(commune, staff_user(commune, "zsecretaire"))
    demarche = instantiate(commune, "signalement")
    data = as_posted(demarche)
    data.update({"g-title": "Signaler un souci de voirie", "g-department": "Voirie",
                 "g-role": "agent", "g-deadline_days": "4", "g-reminder_days": "2",
                 "g-retention_days": "90"})
    data[f"{row(data, 'pieces', 'photo')}-required"] = "on"
    data.update({"pieces-1-label": "Plan du lieu", "pieces-1-kind": "document"})
    assert agent.post(URL, data).status_code == 302
    demarche.refresh_from_db()
    assert (demarche.title, demarche.deadline_days, demarche.role) == (
        "Signaler un souci de voirie", 4, "agent")
    assert demarche.attachments[0]["required"] and demarche.attachments[1]["slug"] == "plan-du-lieu"
    assert "Intitulé : « Signaler un problème sur la voie publique » → « Signaler un souci de " \
           "voirie »" in demarche.changes.first().summary
    assert instantiate(other, "signalement").deadline_days == 10  # another member's copy
    citizen = text(host_client(commune).get("/demarches/en-ligne/signalement/"))
    assert "Plan du lieu" in citizen and "souci de voirie" in citizen
    data = as_posted(demarche)
    data.pop("g-active")
    assert agent.post(URL, data).status_code == 302
    assert host_client(commune).get("/demarches/en-ligne/signalement/").status_code == 404


def test_statuses_are_added_retired_and_guarded(commune):
    agent = host_client(commune, staff_user(commune, "zsecretaire"))
    demarche = instantiate(commune, "signalement")
    held, _new = services.file_request(demarche, name="Paul", email="p@example.fr", answers={})
    data = as_posted(demarche)
    waiting = row(data, "statuts", "attente-citoyen")
    data[f"{waiting}-retired"] = "on"
    data.update({"statuts-5-label": "Transmise à l'intercommunalité",
                 "statuts-5-citizen_label": "Votre demande est transmise à la communauté de "
                                            "communes"})
    # « Délivrée » cannot be retired nor stop being final, whatever is posted.
    delivered = row(data, "statuts", "delivree")
    data[f"{delivered}-retired"] = "on"
    data.pop(f"{delivered}-final", None)
    assert agent.post(URL, data).status_code == 302
    demarche.refresh_from_db()
    slugs = [s["slug"] for s in demarche.open_statuses()]
    assert "attente-citoyen" not in slugs and "transmise-a-lintercommunalite" in slugs
    assert demarche.status("delivree")["final"] and "delivree" in slugs
    choices = dict(StatusForm(demarche).fields["status"].choices)
    assert "Transmise à l'intercommunalité" in choices.values()
    assert "En attente d'informations" not in choices.values()

    # A status an open request holds cannot be retired; the first cannot close a request.
    data = as_posted(demarche)
    data[f"{row(data, 'statuts', 'recue')}-retired"] = "on"
    refused = agent.post(URL, data)
    assert refused.status_code == 400
    assert "1 demande(s) en cours ont le statut « Reçue »" in text(refused)
    data = as_posted(demarche)
    data[f"{row(data, 'statuts', 'sans-suite')}-ORDER"] = "0"
    refused = agent.post(URL, data)
    assert "Le premier statut, « Classée sans suite »" in text(refused)
    assert CitizenRequest.objects.get(pk=held.pk).status == "recue"


def test_bad_input_is_refused_clearly_and_nothing_is_lost(commune):
    agent = host_client(commune, staff_user(commune, "zsecretaire"))
    demarche = instantiate(commune, "signalement")
    before = demarche.fields
    cases = [
        ({"g-reminder_days": "12"}, "La relance (après 12 jours) doit venir avant la fin du "
                                    "délai de traitement (10 jours)"),
        ({"g-deadline_days": "0"}, "Le délai de traitement va de 1 à 365 jours."),
        ({"champs-3-label": "Quartier", "champs-3-type": "choice"},
         "Une liste de choix propose au moins un choix"),
        ({"champs-3-label": "description"}, "« description » est déjà le libellé de la ligne 3"),
        ({"champs-0-label": ""}, "Le libellé ne peut pas être vide"),
        ({"champs-3-help": "sans libellé"}, "Donnez un libellé à la ligne ajoutée"),
        ({"champs-0-slug": "autre-chose"}, "ne correspond pas à cette démarche"),
    ]
    for change, sentence in cases:
        data = {**as_posted(demarche), **change}
        refused = agent.post(URL, data)
        assert refused.status_code == 400, change
        page = text(refused)
        assert sentence in page, (change, page[:3000])
        assert "Rien n'a été enregistré" in page
        for value in change.values():  # what was typed is shown again
            assert not value or f'value="{value}"' in page or f">{value}<" in page, value
    demarche.refresh_from_db()
    assert demarche.fields == before and not demarche.changes.exists()


def test_an_adjustment_made_meanwhile_is_not_overwritten(commune):
    first = host_client(commune, staff_user(commune, "zsecretaire"))
    second = host_client(commune, staff_user(commune, "zdgs", roles=("dgs",)))
    demarche = instantiate(commune, "signalement")
    opened = as_posted(demarche)
    mine = {**opened, "champs-3-label": "Numéro du lampadaire"}
    assert first.post(URL, mine).status_code == 302
    theirs = {**opened, "champs-3-label": "Couleur du mât"}
    stale = second.post(URL, theirs)
    assert stale.status_code == 409 and "Quelqu'un a modifié cette démarche" in text(stale)
    demarche.refresh_from_db()
    assert [f["label"] for f in demarche.fields][-1] == "Numéro du lampadaire"
