"""The demo organisation's intranet and a space's wiki (`seed_demo`), written through the pages'
actions.

Listens to `cercle.accounts.hooks.DemoContentWanted`: the intranet's tree in the organisation
space (a welcome page, the HR procedures — leave requests, expense claims, remote work — and the
IT FAQ, linked with `[[titles]]`), then a wiki page of the "Entraide informatique" space, written
and later corrected (a second revision). "Notes de frais" is past its review date (the report of
pages to review lists it; its owner is reminded), and camille.martin watches "Demander un
congé" (besides each page's authors, who watch theirs), asks a question under it and reacts.
Each step is dated with `cercle.core.demo.backdated`, so pages, revisions and audit entries say
when. People are named
by their demo username (`cercle.accounts.demo_data`); the spaces are the feed's demo spaces, made
before this runs (the feed's app comes first in `INSTALLED_APPS`, so its listener does).
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import User
from cercle.core.demo import backdated, demo_time
from cercle.core.hooks import listen
from cercle.pages import actions
from cercle.pages.models import Page
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space


class DemoPage(NamedTuple):
    # The slug of the space it is in ("" for the organisation's intranet).
    space: str
    # The title of the page it goes under ("" for the top of the tree).
    parent: str
    title: str
    author: str
    days_ago: int
    body: str


WELCOME = """Bienvenue chez **Atelier Lumen** ! Cet intranet rassemble ce qu'il faut savoir pour
travailler ici, quel que soit votre site (Lyon, Nantes ou Grenoble).

- Vos démarches : [[Ressources humaines]]
- Un souci d'ordinateur, de badge ou de mot de passe : [[Questions fréquentes informatique]]
- Les nouvelles de l'entreprise sont sur la page d'accueil, les échanges dans les espaces.

Une question sur cet intranet ? Écrivez à l'équipe communication interne."""

HR = """Les démarches courantes, expliquées pas à pas :

- [[Demander un congé]]
- [[Notes de frais]]
- [[Télétravail : la charte]]

Pour tout le reste, votre contact RH est indiqué sur votre profil."""

LEAVE = """## Avant de poser vos dates

Les congés payés se posent au moins **un mois avant** pour une absence d'une semaine ou plus,
**quinze jours avant** pour quelques jours. En production, vérifiez d'abord le planning de votre
ligne avec votre chef d'équipe.

## La demande

1. Remplissez le formulaire de demande de congé (bibliothèque de documents, dossier
   *Ressources humaines*).
2. Envoyez-le à votre responsable, qui le valide sous huit jours.
3. Le service paie enregistre la demande ; le solde apparaît sur votre bulletin suivant.

## Cas particuliers

| Situation | Délai | Justificatif |
|---|---|---|
| Mariage ou PACS | 4 jours | acte |
| Naissance | 3 jours (+ congé paternité) | acte de naissance |
| Décès d'un proche | 3 à 5 jours | acte de décès |

Voir aussi [[Télétravail : la charte]] pour les jours à distance."""

EXPENSES = """Les frais engagés pour l'entreprise (déplacements, repas avec un client) sont
remboursés sur justificatif.

1. Gardez chaque ticket ou facture (une photo lisible suffit).
2. Saisissez la note avant le 5 du mois suivant, avec les justificatifs.
3. Votre responsable valide, la comptabilité rembourse avec le salaire.

Plafonds : repas 20 € (25 € à Paris), nuit d'hôtel 110 €. Au-delà, demandez un accord avant."""

REMOTE = """Le télétravail est ouvert à tous les postes qui le permettent, **deux jours par
semaine** au plus, après accord de votre responsable.

- Les jours sont fixés avec l'équipe (pas de télétravail le jour de la réunion d'équipe).
- Vous restez joignable aux heures habituelles ; la messagerie de Cercle suffit.
- Le matériel (ordinateur portable, casque) est fourni ; voir
  [[Questions fréquentes informatique]] pour le VPN."""

IT_FAQ = """## Mot de passe oublié

Depuis la page de connexion, « Mot de passe oublié » envoie un lien par courriel. Sans accès à
votre messagerie, appelez le support au **4242**.

## Se connecter depuis chez soi

Le VPN est expliqué pas à pas dans l'espace *Entraide informatique* (page « Configurer le
VPN »).

## Imprimer en couleur

Les imprimantes couleur sont au 1er étage à Lyon et à l'accueil à Nantes. Badgez sur
l'imprimante pour lancer vos documents.

## Un nouveau logiciel

Demandez-le dans l'espace *Entraide informatique* : l'équipe vérifie la licence et
l'installe à distance."""

VPN = """Pour travailler depuis chez vous, l'ordinateur portable se connecte au réseau de
l'entreprise par le VPN.

1. Ouvrez **Connexion sécurisée** dans le menu Démarrer.
2. Identifiant : celui de Cercle ; mot de passe : celui de votre session Windows.
3. Validez la notification sur votre téléphone (double authentification).

Le voyant passe au vert : vous êtes connecté. Le partage de fichiers et l'impression au bureau
fonctionnent comme sur place."""

VPN_FIXED = (
    VPN
    + """

**Ça ne marche pas ?** Vérifiez d'abord la connexion internet de la maison, puis redémarrez
l'ordinateur. Si le voyant reste orange, postez la question dans l'espace avec une capture
d'écran."""
)

PAGES: tuple[DemoPage, ...] = (
    DemoPage("", "", "Bienvenue chez Atelier Lumen", "julie.fournier", 30, WELCOME),
    DemoPage("", "", "Ressources humaines", "francois.girard", 29, HR),
    DemoPage("", "Ressources humaines", "Demander un congé", "francois.girard", 29, LEAVE),
    DemoPage("", "Ressources humaines", "Notes de frais", "francois.girard", 28, EXPENSES),
    DemoPage("", "Ressources humaines", "Télétravail : la charte", "francois.girard", 27, REMOTE),
    DemoPage("", "", "Questions fréquentes informatique", "admin", 26, IT_FAQ),
    DemoPage("entraide-informatique", "", "Configurer le VPN", "theo.marchand", 20, VPN),
)
# (space, title, author, days ago, new text, summary): later corrections, new revisions.
EDITS: tuple[tuple[str, str, str, int, str, str], ...] = (
    (
        "entraide-informatique",
        "Configurer le VPN",
        "clemence.vidal",
        12,
        VPN_FIXED,
        "Ajout : que faire si le voyant reste orange",
    ),
)


def _space(slug: str) -> Space | None:
    if not slug:
        return space_queries.organisation_space()
    return Space.objects.filter(slug=slug).first()


def seed_demo_pages(happening: DemoContentWanted) -> None:
    """The `DemoContentWanted` listener: the intranet's pages, then a space's wiki page."""
    people = {u.username: u for u in User.objects.filter(is_active=True)}
    written: dict[tuple[str, str], Page] = {}
    revisions = 0
    for demo in PAGES:
        space, author = _space(demo.space), people.get(demo.author)
        if space is None or author is None:
            continue
        with backdated(demo_time(happening.now, demo.days_ago, 9, 30)):
            page = actions.create_page(
                actor=author,
                space=space,
                title=demo.title,
                body=demo.body,
                parent=written.get((demo.space, demo.parent)) if demo.parent else None,
            )
        written[(demo.space, demo.title)] = page
        revisions += 1
    for slug, title, username, days_ago, body, summary in EDITS:
        edited, editor = written.get((slug, title)), people.get(username)
        if edited is None or editor is None:
            continue
        with backdated(demo_time(happening.now, days_ago, 14, 10)):
            actions.edit_page(
                actor=editor,
                page=edited,
                title=edited.title,
                body=body,
                base_revision=edited.revision,
                summary=summary,
            )
        revisions += 1
    _reviews_and_watches(happening, people, written)
    happening.counts["pages"] = happening.counts.get("pages", 0) + len(written)
    happening.counts["page revisions"] = happening.counts.get("page revisions", 0) + revisions


def _reviews_and_watches(
    happening: DemoContentWanted, people: dict[str, User], written: dict[tuple[str, str], Page]
) -> None:
    expenses, hr = written.get(("", "Notes de frais")), people.get("francois.girard")
    if expenses is not None and hr is not None:
        with backdated(demo_time(happening.now, 27, 11, 0)):
            actions.set_review(
                actor=hr,
                page=expenses,
                review=actions.Review(
                    owner=hr,
                    review_by=happening.now.date() - datetime.timedelta(days=6),
                    interval=6,
                ),
            )
    leave, reader = written.get(("", "Demander un congé")), people.get("camille.martin")
    if leave is not None and reader is not None:
        actions.watch_page(actor=reader, page=leave)
        # A question under the page and a reaction: its owner is notified, as under a post.
        with backdated(demo_time(happening.now, 3, 10, 15)):
            actions.add_comment(
                actor=reader,
                page=leave,
                body="Faut-il aussi prévenir son équipe dans l'agenda partagé ?",
            )
            actions.react(actor=reader, page=leave, kind="insightful")
        if hr is not None:
            # The answer, from the HR team (the reader watches the page: she is told).
            with backdated(demo_time(happening.now, 2, 16, 40)):
                actions.add_comment(
                    actor=hr,
                    page=leave,
                    body="Oui : ajoutez votre absence à l'agenda de l'équipe dès l'accord reçu.",
                )
                actions.react(actor=hr, page=leave, kind="like")


def register() -> None:
    listen(DemoContentWanted, seed_demo_pages)
