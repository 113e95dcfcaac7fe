"""The news' part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled into
`cercle.routing.Socket`): a tab showing an article subscribes to its comments' changes.

`news.subscribe` with `article_id` joins `news.article.<id>` when the person may read the article
(`queries.visible_articles`: its audience, or a writer); else `not_found`, as for a missing one.
One article per tab: a new subscription leaves the previous one. The events carry ids only (see
`cercle.news.events`): the page asks the comments again through the rule of the article page."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from cercle.core.consumers import SocketPart
from cercle.core.events import HelloPart
from cercle.news import queries
from cercle.news.events import NewsSubscribed, NewsUnsubscribed, article_group


def _may_read(user_id: int, article_id: int) -> bool:
    from cercle.accounts.models import User

    user = User.objects.filter(pk=user_id).select_related("profile").first()
    if user is None or not user.is_active:
        return False
    return queries.visible_articles(user).filter(pk=article_id).exists()


_check = database_sync_to_async(_may_read)


class NewsSocketMixin(SocketPart):
    frames = {"news.subscribe": "on_news_subscribe", "news.unsubscribe": "on_news_unsubscribe"}

    news_group: str | None

    async def part_connect(self) -> HelloPart | None:
        self.news_group = None
        return None

    async def part_disconnect(self) -> None:
        await self._news_leave()

    async def _news_leave(self) -> None:
        group = getattr(self, "news_group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.news_group = None

    async def on_news_subscribe(self, frame: dict[str, Any]) -> None:
        article_id = frame.get("article_id")
        if isinstance(article_id, bool) or not isinstance(article_id, int) or article_id < 1:
            raise ValidationError({"article_id": ["Give a whole number."]})
        if not await _check(self.user.pk, article_id):
            raise queries.NotFound("No such article.")
        group = article_group(article_id)
        if group != self.news_group:
            await self._news_leave()
            await self.channel_layer.group_add(group, self.channel_name)
            self.news_group = group
        await self.send_event(NewsSubscribed(article_id=article_id))

    async def on_news_unsubscribe(self, frame: dict[str, Any]) -> None:
        await self._news_leave()
        await self.send_event(NewsUnsubscribed())
