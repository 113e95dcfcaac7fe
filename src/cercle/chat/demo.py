"""The demo organisation's conversations (`seed_demo`), written through the chat's actions.

Listens to `cercle.accounts.hooks.DemoContentWanted`: direct conversations and groups of the
demo people, with the messages of the past two weeks in the order of their dates (each dated
with `cercle.core.demo.backdated`), read by their members except the latest ones. Through the
actions (about 120 steps): the conversations, memberships, read state and audit entries are what
real use leaves. People are named by their demo username (`cercle.accounts.demo_data`).
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import User
from cercle.chat import actions
from cercle.chat.models import Conversation
from cercle.core.demo import backdated, demo_time


class DemoConversation(NamedTuple):
    # Empty for a direct conversation between the two people of `members`.
    name: str
    members: tuple[str, ...]
    # (days ago, hour, minute, sender, text); the last `unread` stay unread for the others.
    messages: tuple[tuple[int, int, int, str, str], ...]
    unread: int = 0


CONVERSATIONS: tuple[DemoConversation, ...] = (
    DemoConversation(
        "",
        ("camille.martin", "helene.rousseau"),
        (
            (3, 8, 50, "camille.martin", "Bonjour Hélène, le compte rendu du comité est prêt."),
            (3, 9, 5, "helene.rousseau", "Merci Camille, je le relis avant midi."),
            (3, 11, 40, "helene.rousseau", "C'est parfait, tu peux le publier dans l'espace."),
            (
                0,
                8,
                35,
                "camille.martin",
                "Le rendez-vous avec la mairie d'Annecy est confirmé jeudi 14 h.",
            ),
        ),
        unread=1,
    ),
    DemoConversation(
        "",
        ("zoe.bonnet", "bastien.roche"),
        (
            (6, 10, 15, "bastien.roche", "Tu as un moment pour relire ma demande de fusion ?"),
            (6, 10, 22, "zoe.bonnet", "Oui, après le point de 11 h."),
            (6, 11, 48, "zoe.bonnet", "C'est relu : deux remarques sur les tests, sinon 👍"),
            (6, 12, 3, "bastien.roche", "Merci, je corrige cet après-midi."),
        ),
    ),
    DemoConversation(
        "",
        ("sophie.perrin", "theo.marchand"),
        (
            (
                13,
                14,
                2,
                "sophie.perrin",
                "Théo, mon Excel plante à l'ouverture du fichier des fournisseurs.",
            ),
            (
                13,
                14,
                10,
                "theo.marchand",
                "Il pèse combien ? Essaie en mode sans échec : Windows + R, puis « excel /safe ».",
            ),
            (13, 14, 25, "sophie.perrin", "Ça marche ! Merci 🙏"),
        ),
    ),
    DemoConversation(
        "",
        ("antoine.giraud", "margaux.fabre"),
        (
            (
                10,
                9,
                30,
                "antoine.giraud",
                "Tes mesures sont impressionnantes, on peut les montrer au salon ?",
            ),
            (10, 9, 41, "margaux.fabre", "Oui, je prépare une fiche propre d'ici la fin du mois."),
            (
                2,
                16,
                20,
                "margaux.fabre",
                "La fiche photométrique Aurora est dans l'espace du projet.",
            ),
        ),
        unread=1,
    ),
    DemoConversation(
        "",
        ("pauline.leroy", "mickael.guerin"),
        (
            (
                5,
                7,
                45,
                "mickael.guerin",
                "Pauline, il me manque deux intérimaires la semaine prochaine sur la ligne 2.",
            ),
            (5, 8, 10, "pauline.leroy", "Je relance l'agence ce matin et je te dis."),
            (
                5,
                10,
                55,
                "pauline.leroy",
                "C'est bon : deux personnes à partir de lundi, accueil sécurité à 7 h 30.",
            ),
            (5, 11, 2, "mickael.guerin", "Top, merci !"),
        ),
    ),
    DemoConversation(
        "",
        ("celine.arnaud", "amelie.caron"),
        (
            (
                19,
                15,
                0,
                "celine.arnaud",
                "Amélie, peux-tu saisir la commande d'Annecy ? Le bon est signé.",
            ),
            (19, 15, 30, "amelie.caron", "C'est fait, livraison en trois lots à partir de mars."),
            (1, 10, 5, "celine.arnaud", "Le client demande s'il peut avancer le premier lot."),
        ),
        unread=1,
    ),
    DemoConversation(
        "",
        ("admin", "laurent.mercier"),
        (
            (
                28,
                17,
                10,
                "laurent.mercier",
                "Cercle est ouvert à tout le monde, bravo pour la mise en place.",
            ),
            (28, 17, 25, "admin", "Merci ! L'import des 60 comptes s'est bien passé."),
        ),
    ),
    DemoConversation(
        "",
        ("hugo.renaud", "sebastien.colin"),
        (
            (7, 15, 5, "hugo.renaud", "Je peux tenir le stand les deux premiers jours du salon."),
            (
                7,
                15,
                20,
                "sebastien.colin",
                "Noté, je t'ajoute au planning. Hôtel réservé près de la Messe.",
            ),
        ),
    ),
    DemoConversation(
        "Déjeuner du vendredi",
        ("yasmine.cherif", "zoe.bonnet", "romain.lopez", "gael.robin", "clemence.vidal"),
        (
            (8, 11, 30, "yasmine.cherif", "On teste le nouveau libanais vendredi ?"),
            (8, 11, 34, "romain.lopez", "Carrément !"),
            (8, 11, 50, "gael.robin", "Je suis en clôture SAP, je vous rejoins plus tard."),
            (1, 11, 45, "zoe.bonnet", "Et cette semaine, crêpes ? 🥞"),
            (1, 11, 52, "clemence.vidal", "Je vote crêpes."),
        ),
        unread=2,
    ),
    DemoConversation(
        "Salon Light + Building",
        ("sebastien.colin", "chloe.lemoine", "hugo.renaud", "damien.schmitt", "antoine.giraud"),
        (
            (
                7,
                16,
                0,
                "sebastien.colin",
                "Groupe pour préparer le salon : planning, transport, goodies.",
            ),
            (7, 16, 12, "chloe.lemoine", "Budget validé, les visuels Aurora arrivent de Léa."),
            (4, 9, 20, "antoine.giraud", "Il nous faut deux prototypes en état de marche."),
            (4, 9, 35, "damien.schmitt", "Je m'en occupe avec le bureau d'études."),
            (0, 9, 0, "sebastien.colin", "Le transporteur passe le 2 mars à Nantes."),
        ),
        unread=1,
    ),
    DemoConversation(
        "Astreinte informatique",
        ("laurent.mercier", "loic.le-gall", "theo.marchand", "clemence.vidal"),
        (
            (12, 18, 30, "loic.le-gall", "Sauvegarde du week-end OK, rien à signaler."),
            (12, 18, 42, "laurent.mercier", "Merci Loïc."),
            (4, 7, 55, "theo.marchand", "Imprimante de l'atelier bloquée, j'y passe à 8 h."),
            (0, 8, 15, "clemence.vidal", "Campagne de faux mails : filtre mis à jour cette nuit."),
        ),
        unread=1,
    ),
)


def seed_demo_conversations(happening: DemoContentWanted) -> None:
    """The `DemoContentWanted` listener: the conversations and their messages."""
    people = {u.username: u for u in User.objects.filter(is_active=True)}
    counts = happening.counts
    steps: list[tuple[datetime.datetime, int, DemoConversation, int]] = []
    for index, demo in enumerate(CONVERSATIONS):
        if all(name in people for name in demo.members):
            for position, entry in enumerate(demo.messages):
                days_ago, hour, minute, _sender, _text = entry
                when = demo_time(happening.now, days_ago, hour, minute)
                steps.append((when, index, demo, position))
    conversations: dict[int, Conversation] = {}
    for when, index, demo, position in sorted(steps, key=lambda s: (s[0], s[1], s[3])):
        _days, _hour, _minute, sender_name, text = demo.messages[position]
        sender = people[sender_name]
        with backdated(when):
            conversation = conversations.get(index)
            if conversation is None:
                others = [people[name] for name in demo.members if name != sender_name]
                if demo.name:
                    conversation = actions.create_group_conversation(
                        actor=sender, name=demo.name, members=others
                    )
                else:
                    conversation = actions.start_direct_conversation(actor=sender, other=others[0])
                conversations[index] = conversation
                counts["conversations"] = counts.get("conversations", 0) + 1
            message, _created = actions.send_message(
                actor=sender,
                conversation_id=conversation.pk,
                body=text,
                client_id=f"demo-{index}-{position}",
            )
            counts["messages"] = counts.get("messages", 0) + 1
            # The others read it (a few minutes later in real life), but for the last ones.
            if position < len(demo.messages) - demo.unread:
                for name in demo.members:
                    if name != sender_name:
                        actions.mark_read(
                            actor=people[name],
                            conversation_id=conversation.pk,
                            message_id=message.pk,
                        )
