"""The demo organisation's document libraries (`seed_demo`), written through the documents'
actions.

Listens to `cercle.accounts.hooks.DemoContentWanted`: the organisation's library (HR forms and
the welcome booklet, communication), the "Projet Aurora" space's (its specification and
planning) and the IT help space's, each with folders and small real files — PDFs drawn with
fpdf2, CSV and Markdown — and a second version of one file, each step dated with
`cercle.core.demo.backdated`; and one folder of a person's "My documents" shared with a space.
People are named by their demo username; the spaces are the feed's demo spaces, made before this
runs (the feed's app comes first in `INSTALLED_APPS`). The project's library gets a quota of 1 MB
from an administrator, half used by its measures.
"""

from __future__ import annotations

import io
from typing import NamedTuple

from django.core.exceptions import ValidationError

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import Role, User
from cercle.core.demo import backdated, demo_time
from cercle.core.hooks import listen
from cercle.documents import actions
from cercle.documents.models import Document, Folder
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space


def pdf(title: str, paragraphs: tuple[str, ...]) -> bytes:
    """A one-page PDF: a title and paragraphs (fpdf2's core font: Latin-1 text only)."""
    from fpdf import FPDF  # here: a second of CPU at every process start otherwise

    document = FPDF(format="A4")
    document.set_title(title)
    document.set_author("Atelier Lumen")
    document.add_page()
    document.set_font("Helvetica", "B", 18)
    document.multi_cell(0, 10, title)
    document.ln(4)
    document.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        document.multi_cell(0, 6, paragraph)
        document.ln(3)
    return bytes(document.output())


class DemoFile(NamedTuple):
    space: str  # the slug of its space ("" for the organisation's library)
    folder: str  # its folder's name ("" at the library's top)
    name: str
    author: str
    days_ago: int
    content: bytes


def _leave_form() -> bytes:
    return pdf(
        "Demande de congé",
        (
            "Nom et prénom : ........................................",
            "Service : ..................  Site : ..................",
            "Type de congé : [ ] congés payés  [ ] RTT  [ ] événement familial",
            "Du ............ au ............ inclus, soit ...... jours ouvrés.",
            "Visa du responsable : ..............  Date : ............",
            "À remettre au moins un mois avant pour une semaine ou plus, quinze jours avant sinon. "
            "La procédure complète est sur l'intranet, page Demander un congé.",
        ),
    )


WELCOME_BOOKLET = (
    "Livret d'accueil",
    (
        "Bienvenue chez Atelier Lumen, fabricant de luminaires depuis 1987.",
        "Trois sites : Lyon (siège et bureau d'études), Nantes (usine) et Grenoble (laboratoire).",
        "Votre première semaine : accueil sécurité, rencontre avec votre équipe, "
        "présentation de Cercle, notre réseau social d'entreprise.",
    ),
)
WELCOME_BOOKLET_2 = (
    WELCOME_BOOKLET[0],
    (
        *WELCOME_BOOKLET[1],
        "Nouveau : le restaurant d'entreprise de Nantes est ouvert de 11 h 30 à 14 h, "
        "et le parking vélo de Lyon est couvert.",
    ),
)
HOLIDAYS = (
    "date;jour;férié\n"
    "2027-01-01;vendredi;Jour de l'an\n"
    "2027-03-29;lundi;Lundi de Pâques\n"
    "2027-05-01;samedi;Fête du travail\n"
    "2027-05-06;jeudi;Ascension\n"
    "2027-07-14;mercredi;Fête nationale\n"
    "2027-11-11;jeudi;Armistice\n"
    "2027-12-25;samedi;Noël\n"
).encode()
BRAND = """# Charte graphique en bref

- **Logo** : toujours sur fond clair, jamais déformé ; marge égale à la hauteur du « L ».
- **Couleurs** : bleu Lumen `#1F4E79`, ambre `#F2A900`, gris ardoise `#44546A`.
- **Police** : Source Sans pour les documents, Arial à défaut.

Les modèles (présentation, courrier) sont dans le même dossier.
""".encode()
SPECIFICATION = """# Aurora — cahier des charges (extrait)

## Objectif
Une gamme de trois luminaires LED pour bureaux, 30 % plus sobres que la gamme actuelle.

## Contraintes
- Température de couleur réglable de 2 700 K à 5 000 K.
- Pilotage DALI-2 ; pièces remplaçables sans outil.
- Lancement prévu au salon de mars.
""".encode()
PLANNING = (
    "jalon;responsable;échéance;état\n"
    "Prototype 1;antoine.giraud;2027-01-15;fait\n"
    "Essais photométriques;Laboratoire;2027-02-05;en cours\n"
    "Dossier de certification;Qualité;2027-02-20;à faire\n"
    "Présentation au salon;Marketing;2027-03-10;à faire\n"
).encode()


def _vpn_guide() -> bytes:
    return pdf(
        "Connexion à distance (VPN)",
        (
            "1. Ouvrez Connexion sécurisée dans le menu Démarrer.",
            "2. Identifiant : celui de Cercle ; mot de passe : celui de votre session.",
            "3. Validez la notification sur votre téléphone.",
            "Le voyant passe au vert : vous êtes connecté.",
        ),
    )


def _measures() -> bytes:
    """The photometric test bench's readings of the Aurora prototypes: a CSV of about 530 kB,
    which fills half of the project library's 1 MB quota (the library page's meter)."""
    lines = ["date;prototype;température (K);flux (lm);puissance (W);efficacité (lm/W)"]
    n = 0
    size = len(lines[0].encode()) + 1
    while size < 530_000:
        kelvin = 2700 + (n % 24) * 100
        watts = 28 + (n % 7)
        flux = 3900 + (n * 37) % 700
        line = f"2027-01-{1 + n % 28:02d};A{1 + n % 3};{kelvin};{flux};{watts};{flux / watts:.1f}"
        lines.append(line)
        size += len(line.encode()) + 1
        n += 1
    return ("\n".join(lines) + "\n").encode()


# The project library's quota, set by an administrator: the measures above fill half of it.
AURORA = "projet-aurora-nouvelle-gamme"
AURORA_QUOTA_MB = 1


def files() -> tuple[DemoFile, ...]:
    return (
        DemoFile(
            "", "Ressources humaines", "Demande de congé.pdf", "francois.girard", 29, _leave_form()
        ),
        DemoFile(
            "",
            "Ressources humaines",
            "Livret d'accueil.pdf",
            "francois.girard",
            28,
            pdf(*WELCOME_BOOKLET),
        ),
        DemoFile("", "Ressources humaines", "Jours fériés 2027.csv", "anais.lambert", 25, HOLIDAYS),
        DemoFile("", "Communication", "Charte graphique.md", "julie.fournier", 24, BRAND),
        DemoFile(
            "projet-aurora-nouvelle-gamme",
            "Spécifications",
            "Cahier des charges.md",
            "antoine.giraud",
            21,
            SPECIFICATION,
        ),
        DemoFile(
            "projet-aurora-nouvelle-gamme", "Suivi", "Planning.csv", "antoine.giraud", 18, PLANNING
        ),
        DemoFile(AURORA, "Suivi", "Mesures photométriques.csv", "antoine.giraud", 15, _measures()),
        DemoFile(
            "entraide-informatique",
            "Procédures",
            "Connexion VPN.pdf",
            "theo.marchand",
            20,
            _vpn_guide(),
        ),
    )


# (space, folder, name, author, days ago, content): a later version of a file above.
def new_versions() -> tuple[DemoFile, ...]:
    return (
        DemoFile(
            "",
            "Ressources humaines",
            "Livret d'accueil.pdf",
            "julie.fournier",
            6,
            pdf(*WELCOME_BOOKLET_2),
        ),
    )


def _space(slug: str) -> Space | None:
    if not slug:
        return space_queries.organisation_space()
    return Space.objects.filter(slug=slug).first()


def seed_demo_documents(happening: DemoContentWanted) -> None:
    """The `DemoContentWanted` listener: each library's folders and files, then new versions."""
    people = {u.username: u for u in User.objects.filter(is_active=True)}
    folders: dict[tuple[str, str], Folder] = {}
    documents: dict[tuple[str, str, str], Document] = {}
    libraries: set[int] = set()
    for demo in files():
        space, author = _space(demo.space), people.get(demo.author)
        if space is None or author is None:
            continue
        with backdated(demo_time(happening.now, demo.days_ago, 10, 15)):
            folder = folders.get((demo.space, demo.folder))
            if folder is None:
                library = actions.space_library(space=space)
                libraries.add(library.pk)
                folder = actions.root_of(library)
                if demo.folder:
                    folder = actions.create_folder(actor=author, parent=folder, name=demo.folder)
                folders[(demo.space, demo.folder)] = folder
            uploaded = actions.upload_file(
                actor=author,
                folder=folder,
                upload=io.BytesIO(demo.content),
                name=demo.name,
                announce=False,  # its posts would break the wall's month, dated in order
            )
        documents[(demo.space, demo.folder, demo.name)] = uploaded.document
    versions = len(documents)
    for demo in new_versions():
        document, author = (
            documents.get((demo.space, demo.folder, demo.name)),
            people.get(demo.author),
        )
        if document is None or author is None:
            continue
        with backdated(demo_time(happening.now, demo.days_ago, 16, 40)):
            actions.add_version(actor=author, document=document, upload=io.BytesIO(demo.content))
        versions += 1
    aurora = _space(AURORA)
    admin = User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk").first()
    if aurora is not None and admin is not None:
        with backdated(demo_time(happening.now, 14, 9, 30)):
            actions.set_library_quota(
                actor=admin, library=actions.space_library(space=aurora), quota_mb=AURORA_QUOTA_MB
            )
    shares = _seed_share(happening, people)
    counts = happening.counts
    for key, n in (
        ("document libraries", len(libraries)),
        ("folders", sum(1 for space, name in folders if name)),
        ("documents", len(documents)),
        ("document versions", versions),
        ("document shares", shares),
    ):
        counts[key] = counts.get(key, 0) + n


SHARED_NOTES = (
    "# Revue Aurora : points à préparer\n\n"
    "- Chiffrer les deux options d'emballage.\n"
    "- Relire le cahier des charges avec l'atelier.\n"
    "- Proposer trois dates pour la démonstration.\n"
).encode()


def _seed_share(happening: DemoContentWanted, people: dict[str, User]) -> int:
    """One folder of Antoine's "My documents" shared, read and write, with the Aurora space's
    members (or, if he is not one, with Julie)."""
    author = people.get("antoine.giraud")
    if author is None:
        return 0
    with backdated(demo_time(happening.now, 12, 9, 30)):
        root = actions.root_of(actions.personal_library(user=author))
        folder = actions.create_folder(actor=author, parent=root, name="Préparation revue Aurora")
        actions.upload_file(
            actor=author, folder=folder, upload=io.BytesIO(SHARED_NOTES), name="Points.md"
        )
        space = _space("projet-aurora-nouvelle-gamme")
        try:
            actions.share(actor=author, item=folder, access="write", space=space)
        except ValidationError:
            colleague = people.get("julie.fournier")
            if colleague is None:
                return 0
            actions.share(actor=author, item=folder, access="write", user=colleague)
    return 1


def register() -> None:
    listen(DemoContentWanted, seed_demo_documents)
