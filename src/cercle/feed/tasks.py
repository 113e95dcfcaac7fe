"""Background work of the feed (django-tasks): telling a space's members about a new post."""

from __future__ import annotations

from django_tasks import task


@task()
def fan_out_space_post(post_id: int) -> int:
    # Imported here: `notifications` enqueues this task, so it imports this module.
    from cercle.feed.notifications import fan_out_space_post as run

    return run(post_id=post_id)
