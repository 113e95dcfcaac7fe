"""A notification refers to its subject generically (`subject_type`, `subject_id`, `detail_id`)
instead of through one foreign key per module (post, comment); kinds are registered by modules,
so the columns no longer list them. Existing notifications keep their subject: a post's become
("feed.post", post id) with the comment as `detail_id`."""

from django.db import migrations, models
from django.db.models import F


def to_subjects(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(post__isnull=False).update(
        subject_type="feed.post", subject_id=F("post_id"), detail_id=F("comment_id")
    )


def to_foreign_keys(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Post = apps.get_model("feed", "Post")
    Comment = apps.get_model("feed", "Comment")
    posts = Notification.objects.filter(subject_type="feed.post")
    # Subjects deleted since have no row to point at: those notifications go.
    posts.exclude(subject_id__in=Post.objects.values("pk")).delete()
    posts.update(post_id=F("subject_id"))
    posts.filter(detail_id__in=Comment.objects.values("pk")).update(comment_id=F("detail_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_content_hidden_kind"),
        ("feed", "0006_comment_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="subject_type",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="notification",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="detail_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(to_subjects, to_foreign_keys),
        migrations.RemoveField(model_name="notification", name="post"),
        migrations.RemoveField(model_name="notification", name="comment"),
        migrations.AlterField(
            model_name="notification", name="kind", field=models.CharField(max_length=30)
        ),
        migrations.AlterField(
            model_name="preference", name="kind", field=models.CharField(max_length=30)
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
        ),
    ]
