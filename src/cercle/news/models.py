"""News: articles the communication team (and admins) publish to the whole organisation, to some
departments, sites or spaces; their categories, who read them, their comments and reactions, their
shares to the wall, and the weekly letter's record.

An article is visible to its readers from `published_at` (None: a draft) until `ends_at` (None:
for good): nothing runs to make it appear, the queries compare with the time of the request. The
notification that it went live is sent by `manage.py publish_news` (`notified_at`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cercle.feed.models import ReportReason, ReportStatus

MAX_TITLE = 200
MAX_SUMMARY = 400


class Category(models.Model):
    """A category of the news, from the list the communication team keeps (so that the list
    filter stays short and consistent), in the organisation's languages."""

    # The name in French (the organisation's language), and in English (blank: the French one).
    name = models.CharField(_("name"), max_length=80, unique=True)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("news category")
        verbose_name_plural = _("news categories")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language (the active one): English when it has one."""
        language = translation.get_language() or ""
        return self.name_en if self.name_en and language.startswith("en") else self.name


class Article(models.Model):
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    summary = models.CharField(_("summary"), max_length=MAX_SUMMARY, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    # The cover: a name in `storages["news"]` (served by the module's own view and rule).
    cover = models.CharField(max_length=200, blank=True, default="")
    cover_type = models.CharField(max_length=100, blank=True, default="")
    cover_alt = models.CharField(_("cover description"), max_length=250, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The audience: nothing chosen is the whole organisation; otherwise the people of any of
    # these departments or sites, and the members of any of these spaces.
    departments = models.ManyToManyField("accounts.Department", blank=True, related_name="+")
    sites = models.ManyToManyField("accounts.Site", blank=True, related_name="+")
    spaces = models.ManyToManyField("spaces.Space", blank=True, related_name="+")
    # No department, site nor space chosen (kept by the actions: one column for the common case).
    for_everyone = models.BooleanField(default=True)
    featured = models.BooleanField(_("featured on the home page"), default=False)
    published_at = models.DateTimeField(_("publication"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    read_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="news_article_published"),
            models.Index(fields=["featured", "-published_at"], name="news_article_featured"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(published_at__isnull=True)
                | models.Q(ends_at__gt=models.F("published_at")),
                name="news_article_ends_after_publication",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ArticleRead(models.Model):
    """Someone opened the article (once per person: the first time)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="news_one_read_per_person")
        ]
        indexes = [models.Index(fields=["read_at"], name="news_read_at")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.article_id}"


class ArticleComment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A reply's comment (one level: a reply to a reply answers the same comment).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("comment"))
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator (the reason is in the audit log): readers see a notice instead.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.article_id}"


class CommentReport(models.Model):
    """A reader reported a comment to the news' moderators (the communication team and admins),
    with one of the feed's reasons; settled when the comment is hidden, deleted or the reports on
    it dismissed."""

    comment = models.ForeignKey(ArticleComment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    details = models.TextField(_("details"), blank=True, default="")
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="news_report_queue")]

    def __str__(self) -> str:
        return f"{self.reason} on news comment {self.comment_id} ({self.status})"


class ArticleReaction(models.Model):
    """One reaction per person and article (the feed's kinds: like, love, celebrate…)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="news_one_reaction_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.article_id}"


class ArticleShare(models.Model):
    """A wall post that shares an article: the post's card shows the article to those who may
    read it, and "not available" to the others (a share never widens the audience)."""

    post = models.OneToOneField("feed.Post", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="shares")

    def __str__(self) -> str:
        return f"post {self.post_id} shares {self.article_id}"


class LetterSent(models.Model):
    """When the weekly news letter last went to a person (at most one a week)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"letter to {self.user_id}"
