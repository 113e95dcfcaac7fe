"""The demo organisation's month on the wall: its spaces, posts, comments and announcements.

Plain data only; `cercle.feed.demo` writes it through the actions. People are named by their demo
username (`cercle.accounts.demo_data`); a post's `when` is (days ago, hour, minute), moved back to
the Friday before when it falls on a weekend. French on purpose, like the demo people.
"""

from __future__ import annotations

from typing import NamedTuple


class DemoSpace(NamedTuple):
    key: str  # the slug it gets from its name
    name: str
    kind: str  # open, request, private, secret
    owner: str
    description: str
    # Members: usernames, or "dept:<key>" / "site:<key>" for everyone of a department or site.
    members: tuple[str, ...]
    # Space admins besides the owner.
    admins: tuple[str, ...] = ()
    # Still waiting: join requests (request spaces) or invitations (private and secret ones).
    pending: tuple[str, ...] = ()


class DemoPost(NamedTuple):
    days_ago: int
    hour: int
    minute: int
    author: str
    # A DemoSpace key, "organisation" for the whole organisation's space, "" for the author's
    # own wall.
    space: str
    body: str
    comments: tuple[tuple[str, str], ...] = ()
    # How many colleagues react (chosen among those who see it, with varied reactions).
    reactions: int = 0


SPACES: tuple[DemoSpace, ...] = (
    DemoSpace(
        "club-velo",
        "Club vélo",
        "open",
        "loic.le-gall",
        "Sorties du dimanche, vélotaf et petites réparations entre collègues.",
        (
            "zoe.bonnet",
            "benoit.lacroix",
            "margaux.fabre",
            "romain.lopez",
            "sebastien.colin",
            "stephane.henry",
            "noemie.rey",
            "hugo.renaud",
        ),
    ),
    DemoSpace(
        "comite-rse",
        "Comité RSE",
        "request",
        "agathe.fontaine",
        "Responsabilité sociétale : bilan carbone, achats responsables, mobilité, solidarité.",
        (
            "sylvie.lucas",
            "aurelie.roussel",
            "remi.blanc",
            "noemie.rey",
            "lea.barbier",
            "sandrine.masson",
        ),
        admins=("sandrine.masson",),
        pending=("kevin.morin", "amelie.caron"),
    ),
    DemoSpace(
        "idees-innovation",
        "Idées & innovation",
        "open",
        "sandrine.masson",
        "Une idée pour travailler mieux, fabriquer mieux ou vendre mieux ? Proposez-la ici.",
        (
            "dept:production",
            "antoine.giraud",
            "margaux.fabre",
            "romain.lopez",
            "zoe.bonnet",
            "celine.arnaud",
            "emilie.huet",
            "julie.fournier",
        ),
    ),
    DemoSpace(
        "entraide-informatique",
        "Entraide informatique",
        "open",
        "theo.marchand",
        "Questions sur les outils, astuces Excel et annonces du support informatique.",
        (
            "dept:dsi",
            "camille.martin",
            "sophie.perrin",
            "nathalie.roux",
            "amelie.caron",
            "mathilde.chevalier",
            "emilie.huet",
            "cedric.boyer",
            "manon.gauthier",
            "fatima.bouzid",
            "anais.lambert",
        ),
        admins=("clemence.vidal",),
    ),
    DemoSpace(
        "site-de-nantes",
        "Site de Nantes",
        "open",
        "pauline.leroy",
        "La vie de l'usine et de l'entrepôt de Nantes : horaires, sécurité, cantine, événements.",
        ("site:nantes",),
        admins=("patrick.lemaire",),
    ),
    DemoSpace(
        "comite-de-direction",
        "Comité de direction",
        "private",
        "helene.rousseau",
        "Ordres du jour, comptes rendus et décisions du comité de direction.",
        (
            "camille.martin",
            "agathe.fontaine",
            "francois.girard",
            "isabelle.moreau",
            "laurent.mercier",
            "chloe.lemoine",
            "olivier.dubois",
            "patrick.lemaire",
            "frederic.andre",
        ),
        admins=("camille.martin",),
    ),
    DemoSpace(
        "projet-aurora-nouvelle-gamme",
        "Projet Aurora — nouvelle gamme",
        "private",
        "antoine.giraud",
        "La gamme de luminaires extérieurs 2027 : conception, prototypes, lancement.",
        (
            "laure.dumas",
            "benoit.lacroix",
            "margaux.fabre",
            "sandrine.masson",
            "celine.arnaud",
            "lea.barbier",
            "sylvie.lucas",
            "julien.morel",
        ),
        admins=("laure.dumas",),
        pending=("hugo.renaud",),
    ),
    DemoSpace(
        "negociation-annuelle-2027",
        "Négociation annuelle 2027",
        "secret",
        "francois.girard",
        "Préparation de la négociation annuelle obligatoire avec les représentants du personnel.",
        ("helene.rousseau", "isabelle.moreau", "ines.benali", "mathilde.chevalier"),
    ),
)


POSTS: tuple[DemoPost, ...] = (
    DemoPost(
        29,
        9,
        5,
        "julie.fournier",
        "organisation",
        "Le mot d'Hélène Rousseau, notre présidente : « Bonjour à toutes et à tous ! Cercle est "
        "désormais **notre réseau social d'entreprise** : "
        "les actualités, les espaces d'équipe, la messagerie et l'annuaire au même endroit. "
        "Complétez votre profil (compétences, langues) : c'est ce qui permet de trouver la bonne "
        "personne. » #bienvenue",
        (
            (
                "francois.girard",
                "Merci Hélène ! Les équipes RH sont là pour vous aider à démarrer.",
            ),
            ("mickael.guerin", "Enfin un outil qu'on peut consulter depuis l'atelier 👍"),
            ("zoe.bonnet", "Profil complété. Pensez aux langues, elles sont cherchables !"),
        ),
        24,
    ),
    DemoPost(
        28,
        11,
        20,
        "laurent.mercier",
        "entraide-informatique",
        "Pour vos questions sur les outils (Cercle compris), c'est ici. Le support reste joignable "
        "au 4242 pour les urgences. Les astuces du vendredi commencent cette semaine. #support",
        (("sophie.perrin", "Super, j'ai déjà une question sur les TCD 😅"),),
        9,
    ),
    DemoPost(
        27,
        8,
        40,
        "pauline.leroy",
        "site-de-nantes",
        "Rappel : **nouveaux horaires de la cantine** à partir de lundi, service de 11 h 30 à "
        "13 h 45. Le menu de la semaine est affiché à l'entrée de l'atelier. #nantes",
        (
            ("kevin.morin", "Merci ! L'équipe de l'après-midi pourra enfin manger chaud."),
            ("david.mallet", "Et le vendredi, toujours le poisson ?"),
            ("pauline.leroy", "@david.mallet oui, et un plat végétarien chaque jour."),
        ),
        11,
    ),
    DemoPost(
        26,
        14,
        10,
        "agathe.fontaine",
        "comite-rse",
        "Le **bilan carbone 2025** est en ligne dans l'espace. Premier poste : le transport "
        "des marchandises (41 %). Retours bienvenus avant vendredi. #rse",
        (
            ("noemie.rey", "Le report modal vers le rail est à l'étude pour les envois vers Lyon."),
            ("sylvie.lucas", "On peut aussi regarder les emballages fournisseurs."),
        ),
        6,
    ),
    DemoPost(
        25,
        10,
        0,
        "sandrine.masson",
        "idees-innovation",
        "Idée de la semaine : un **kit de démarrage** pour chaque nouvel arrivant à l'atelier "
        "(EPI, plan du site, contacts). Qu'en pensez-vous ? #amelioration",
        (
            ("christophe.noel", "Oui ! Et un parrain ou une marraine la première semaine."),
            ("fatima.bouzid", "Le plan du site avec les issues de secours serait utile."),
            ("pauline.leroy", "Je peux préparer la partie administrative."),
        ),
        14,
    ),
    DemoPost(
        24,
        16,
        45,
        "zoe.bonnet",
        "",
        "Retour de la conférence PyCon FR à Lyon : beaucoup de talks sur les données et "
        "l'accessibilité. Mes notes sont dispo pour qui veut. #python",
        (("bastien.roche", "Je veux bien ! Surtout la partie tests."),),
        7,
    ),
    DemoPost(
        23,
        9,
        15,
        "julie.fournier",
        "organisation",
        "📸 Les photos de la **journée portes ouvertes** de Nantes sont en ligne : plus de 300 "
        "visiteurs, et une belle démonstration de la ligne d'assemblage. Merci aux équipes ! "
        "#evenement",
        (
            ("patrick.lemaire", "Bravo à toute l'équipe de production, un vrai succès."),
            ("emilie.huet", "Les enfants ont adoré l'atelier de soudure (virtuelle 😄)."),
        ),
        27,
    ),
    DemoPost(
        22,
        13,
        30,
        "gael.robin",
        "entraide-informatique",
        "Clôture mensuelle : le module **SAP FI** sera indisponible samedi de 8 h à 12 h pour "
        "la mise à jour. Pensez à valider vos écritures vendredi. #sap",
        (
            ("elodie.faure", "Noté, merci Gaël. On valide tout jeudi soir."),
            ("thibault.garnier", "Les reportings seront-ils à jour lundi matin ?"),
            ("gael.robin", "@thibault.garnier oui, l'extraction tourne dimanche soir."),
        ),
        5,
    ),
    DemoPost(
        21,
        11,
        5,
        "antoine.giraud",
        "projet-aurora-nouvelle-gamme",
        "Les premiers **prototypes Aurora** arrivent de Grenoble mardi. Essais d'étanchéité "
        "(IP66) prévus la semaine suivante. #aurora",
        (
            ("laure.dumas", "Les plans de la version 2 du diffuseur sont validés."),
            ("margaux.fabre", "Je passe les mesures photométriques dès réception."),
        ),
        6,
    ),
    DemoPost(
        20,
        15,
        20,
        "chloe.lemoine",
        "organisation",
        "Belle victoire : la **ville d'Annecy** nous confie l'éclairage de ses quais (340 "
        "luminaires). Bravo @celine.arnaud, @olivier.dubois et l'équipe du bureau d'études ! "
        "#commercial",
        (
            ("helene.rousseau", "Magnifique référence, félicitations à toutes et à tous."),
            ("laure.dumas", "Merci ! Un beau projet pour le bureau d'études."),
            ("celine.arnaud", "Un travail d'équipe avec l'ADV et la logistique 🙏"),
        ),
        31,
    ),
    DemoPost(
        19,
        10,
        25,
        "clemence.vidal",
        "entraide-informatique",
        "⚠️ Vague de **faux mails de livraison** en ce moment. Ne cliquez pas, transférez-les "
        "à securite@atelier-lumen.fr. En cas de doute, appelez le 4242. #securite",
        (
            ("amelie.caron", "J'en ai reçu deux ce matin, transférés."),
            ("clemence.vidal", "Merci @amelie.caron, ils sont bloqués désormais."),
        ),
        18,
    ),
    DemoPost(
        18,
        8,
        50,
        "mickael.guerin",
        "site-de-nantes",
        "Zéro accident depuis **200 jours** sur la ligne d'assemblage ! Merci à chacun pour "
        "sa vigilance. Le petit-déjeuner est offert jeudi. #securite #nantes",
        (
            ("stephane.henry", "Bravo l'équipe !"),
            ("yannick.besson", "L'entrepôt vise le même objectif 💪"),
        ),
        19,
    ),
    DemoPost(
        17,
        14,
        0,
        "remi.blanc",
        "organisation",
        "Le **catalogue de formation 2027** est ouvert : management, sécurité, langues, Excel, "
        "éco-conception. Inscriptions auprès de votre manager avant le 15. #formation",
        (
            ("jerome.picard", "Y a-t-il des sessions d'anglais à Nantes ?"),
            ("remi.blanc", "@jerome.picard oui, le mardi midi à partir de février."),
            ("manon.gauthier", "Je m'inscris aussi pour l'anglais !"),
        ),
        16,
    ),
    DemoPost(
        16,
        12,
        15,
        "loic.le-gall",
        "club-velo",
        "Sortie dimanche 9 h devant le siège : 60 km vers les monts d'Or, rythme tranquille. "
        "Qui vient ? #velo",
        (
            ("benoit.lacroix", "Présent ! Je prends la pompe."),
            ("noemie.rey", "Je viens jusqu'à Limonest."),
        ),
        5,
    ),
    DemoPost(
        15,
        9,
        30,
        "helene.rousseau",
        "comite-de-direction",
        "Ordre du jour du comité de lundi : résultats du trimestre, avancement Aurora, plan "
        "de recrutement 2027. Compte rendu par Camille dans la foulée.",
        (("isabelle.moreau", "J'apporte la prévision de trésorerie à jour."),),
        4,
    ),
    DemoPost(
        14,
        16,
        10,
        "romain.lopez",
        "idees-innovation",
        "Et si on affichait les **indicateurs de production** en temps réel sur un écran à "
        "l'atelier ? J'ai un prototype de tableau de bord. #donnees",
        (
            ("sandrine.masson", "Très bonne idée, on en parle au point méthodes jeudi ?"),
            ("mickael.guerin", "Avec le taux de rebut, ce serait parlant pour les équipes."),
        ),
        9,
    ),
    DemoPost(
        13,
        11,
        40,
        "sophie.perrin",
        "entraide-informatique",
        "Quelqu'un sait comment figer la première ligne **et** la première colonne dans Excel ? "
        "#excel",
        (
            ("theo.marchand", "Sélectionne la cellule B2, puis Affichage → Figer les volets."),
            ("sophie.perrin", "Parfait, merci Théo !"),
        ),
        3,
    ),
    DemoPost(
        12,
        10,
        0,
        "frederic.andre",
        "site-de-nantes",
        "Inventaire annuel de l'entrepôt le **vendredi 19** : pas d'expédition ce jour-là. "
        "Merci aux commerciaux d'anticiper avec leurs clients. #logistique",
        (
            ("nicolas.brunet", "Je préviens les clients de la région Ouest."),
            ("cedric.boyer", "Les équipes de comptage sont constituées."),
        ),
        8,
    ),
    DemoPost(
        11,
        14,
        25,
        "anais.lambert",
        "organisation",
        "Nous recrutons ! Deux **techniciens de maintenance** à Nantes et un·e **développeur·se** "
        "à Grenoble. La prime de cooptation est de 1 000 €. Les offres sont sur l'intranet. "
        "#recrutement",
        (("stephane.henry", "Je connais quelqu'un pour la maintenance, je t'envoie son CV."),),
        15,
    ),
    DemoPost(
        10,
        9,
        10,
        "margaux.fabre",
        "projet-aurora-nouvelle-gamme",
        "Mesures photométriques du prototype : **142 lm/W**, au-dessus de l'objectif. Le "
        "diffuseur v2 homogénéise bien le faisceau. #aurora",
        (
            ("antoine.giraud", "Excellent ! Ça change l'argumentaire commercial."),
            ("julien.morel", "Je l'intègre à l'étude de marché pour le comité."),
        ),
        6,
    ),
    DemoPost(
        9,
        15,
        0,
        "francois.girard",
        "organisation",
        "🚲 Le **forfait mobilités durables** passe à 600 € par an : vélo, covoiturage, "
        "transports en commun. Le formulaire est dans l'espace du Comité RSE. #rse",
        (
            ("loic.le-gall", "Une bonne nouvelle pour le club vélo !"),
            ("kevin.morin", "Le covoiturage entre Nantes et Saint-Nazaire compte aussi ?"),
            ("agathe.fontaine", "@kevin.morin oui, via la plateforme régionale."),
        ),
        22,
    ),
    DemoPost(
        8,
        10,
        30,
        "theo.marchand",
        "entraide-informatique",
        "Astuce du vendredi : dans Cercle, cherchez « anglais » ou « SAP » dans l'annuaire pour "
        "trouver qui peut vous aider. Les compétences de vos profils servent ! #astuce",
        (("camille.martin", "Pratique pour trouver un traducteur en urgence 😉"),),
        12,
    ),
    DemoPost(
        7,
        13,
        20,
        "chloe.lemoine",
        "organisation",
        "Atelier Lumen sera au **salon Light + Building** de Francfort en mars : stand B42, "
        "avec la gamme Aurora en avant-première. Qui veut tenir le stand ? #salon",
        (
            ("sebastien.colin", "Je coordonne les plannings, écrivez-moi."),
            ("hugo.renaud", "Partant, je parle allemand 🇩🇪"),
            ("damien.schmitt", "Moi aussi, si l'atelier peut se passer de moi deux jours."),
        ),
        17,
    ),
    DemoPost(
        6,
        8,
        45,
        "christophe.noel",
        "site-de-nantes",
        "La nouvelle **cabine de soudage** est installée. Formation obligatoire pour tous les "
        "soudeurs lundi et mardi, par groupes de quatre. #securite",
        (("kevin.morin", "On a hâte, l'aspiration de l'ancienne était fatiguée."),),
        7,
    ),
    DemoPost(
        5,
        11,
        0,
        "ines.benali",
        "negociation-annuelle-2027",
        "Première réunion avec les représentants du personnel le 12. Je prépare la synthèse "
        "des demandes et le calendrier.",
        (("francois.girard", "Merci Inès, on fait le point ensemble la veille."),),
        2,
    ),
    DemoPost(
        4,
        16,
        30,
        "bastien.roche",
        "",
        "Fin de ma première année d'alternance à la DSI : merci @zoe.bonnet pour ton "
        "accompagnement et à toute l'équipe pour la confiance. #alternance",
        (
            ("zoe.bonnet", "Merci à toi, tu as fait un super boulot !"),
            ("maxime.dupont", "Et ce n'est que le début 😉"),
        ),
        13,
    ),
    DemoPost(
        3,
        10,
        15,
        "sylvie.lucas",
        "comite-rse",
        "Nos trois principaux fournisseurs d'aluminium ont signé la **charte achats "
        "responsables**. Prochaine étape : les fournisseurs d'emballages. #rse #achats",
        (("agathe.fontaine", "Bravo Sylvie, c'était un objectif de l'année."),),
        5,
    ),
    DemoPost(
        2,
        9,
        0,
        "laure.dumas",
        "idees-innovation",
        "Proposition : un **atelier de réparation** de luminaires des clients plutôt que le "
        "remplacement complet. Moins de déchets, et un service à vendre. #economiecirculaire",
        (
            ("celine.arnaud", "Les collectivités le demandent de plus en plus."),
            ("stephane.henry", "La maintenance peut aider à chiffrer les pièces détachées."),
        ),
        10,
    ),
    DemoPost(
        1,
        14,
        40,
        "julie.fournier",
        "organisation",
        "🎉 La **fête de l'entreprise** aura lieu à Lyon le dernier vendredi du mois prochain, "
        "avec navettes depuis Nantes et Grenoble. Inscriptions dans le formulaire. #evenement",
        (
            ("yasmine.cherif", "Super ! Il y aura un blind test cette année ?"),
            ("julie.fournier", "@yasmine.cherif c'est prévu 🎶"),
        ),
        21,
    ),
    DemoPost(
        1,
        17,
        5,
        "hugo.renaud",
        "",
        "De retour de Munich : deux distributeurs allemands intéressés par la gamme Aurora. "
        "Compte rendu lundi. #export",
        (),
        6,
    ),
    DemoPost(
        0,
        9,
        10,
        "loic.le-gall",
        "entraide-informatique",
        "Maintenance du réseau Wi-Fi de Grenoble ce soir à partir de 19 h : coupure d'une "
        "heure environ. #support",
        (),
        2,
    ),
)

# Reactions people add to posts, most common first (weights of the kinds of `Reaction`).
REACTION_WEIGHTS = (
    ("like", 45),
    ("celebrate", 20),
    ("love", 12),
    ("insightful", 10),
    ("support", 8),
    ("funny", 5),
)
