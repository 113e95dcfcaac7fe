"""The moderator's reason told to a hidden or deleted comment's author moves from the
notification's title (where it was kept, cut to 120 characters) to its detail text
(`notifications.0008`); the title becomes the article's, as for the news' other notifications.
Backwards: the reason goes back to the title."""

from django.db import migrations

KIND = "news_comment_moderated"
TITLE_LENGTH = 60  # cercle.notifications.registry.TITLE_LENGTH


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Notification = apps.get_model("notifications", "Notification")
    Article = apps.get_model("news", "Article")
    rows = list(Notification.objects.filter(kind=KIND, detail_text=""))
    titles = dict(
        Article.objects.filter(pk__in={n.subject_id for n in rows if n.subject_id}).values_list(
            "pk", "title"
        )
    )
    for row in rows:
        row.detail_text = row.subject_title
        row.subject_title = titles.get(row.subject_id, "")[:TITLE_LENGTH]
    Notification.objects.bulk_update(rows, ["detail_text", "subject_title"], batch_size=500)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Notification = apps.get_model("notifications", "Notification")
    rows = list(Notification.objects.filter(kind=KIND).exclude(detail_text=""))
    for row in rows:
        reason = row.detail_text
        row.subject_title = reason if len(reason) <= 120 else reason[:119].rstrip() + "…"
        row.detail_text = ""
    Notification.objects.bulk_update(rows, ["detail_text", "subject_title"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0004_comment_moderation"),
        ("notifications", "0008_detail_text"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
