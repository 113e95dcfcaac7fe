"""Who sees and may act on a post — decided here and only here — and every read of the wall.

One module per part (`visibility`, `pages`, `comments`, `moderation`, `mentions`, `live`);
callers import this package (`from cercle.feed import queries`).

Visibility of a post:
- deactivated people see nothing; organisation admins see everything;
- a post on a space's wall is seen by those who may read that wall
  (`cercle.spaces.queries.can_read_wall`: members; every non-guest for open spaces and the
  organisation space);
- a post on a profile wall is seen by every active non-guest, and by a guest only when it is theirs
  (written by them or on their wall, before they became a guest: guests may not post on a wall,
  `may_post_on_wall`).
- an activity post (`actions.record_activity`: "Anne added 3 files to Atelier") is seen as its
  space's posts are, and by nobody while the module it comes from is off in that space
  (`spaces.registry.ActivityKind.module`).

Actions on a visible post (`can`):
- comment, react: anyone who sees it, while its space is not archived;
- share: non-guests who see it (where to is checked by `share_refusal`);
- edit: its author, while the space is not archived, unless it is an activity post;
- delete: its author, the wall's owner, the space's moderators and up, organisation admins;
- pin: the space's moderators and up, organisation admins (space posts only).
"""

from __future__ import annotations

from cercle.feed.queries.comments import (
    CommentCard,
    Thread,
    comment_threads,
    may_delete_comment,
    may_edit_comment,
    reactors,
    saved_post_ids,
    written_comment,
)
from cercle.feed.queries.live import (
    Audience,
    load_plan,
    may_see,
)
from cercle.feed.queries.mentions import (
    mention_candidates,
)
from cercle.feed.queries.moderation import (
    access_report,
    can_moderate_report,
    is_own_reported_content,
    moderation_queue,
    recent_decisions,
)
from cercle.feed.queries.pages import (
    ACTIVITY_SHOWN,
    PostCard,
    activity_html,
    follows_hashtag,
    get_hashtag,
    hashtag_posts,
    home_page,
    home_posts,
    new_posts_count,
    paginate,
    pinned_cards,
    pinned_posts,
    profile_posts,
    space_page,
    space_posts,
    space_wall_page,
    viewed_post_ids,
    visible_activity_items,
    with_viewer_state,
)
from cercle.feed.queries.visibility import (
    ACTIONS,
    FILTERS,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Action,
    NotFound,
    PostRights,
    Viewer,
    access_comment,
    access_post,
    audience_is_covered,
    can,
    may_post_on_wall,
    person_shape,
    post_files,
    rights,
    sees_post,
    shaped_person,
    share_refusal,
    viewer_may,
    viewer_sees,
    visible_posts,
    with_display,
)

__all__ = [
    "ACTIONS",
    "ACTIVITY_SHOWN",
    "FILTERS",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "Action",
    "Audience",
    "CommentCard",
    "NotFound",
    "PostCard",
    "PostRights",
    "Thread",
    "Viewer",
    "access_comment",
    "access_post",
    "access_report",
    "activity_html",
    "audience_is_covered",
    "can",
    "can_moderate_report",
    "comment_threads",
    "follows_hashtag",
    "get_hashtag",
    "hashtag_posts",
    "home_page",
    "home_posts",
    "is_own_reported_content",
    "load_plan",
    "may_delete_comment",
    "may_edit_comment",
    "may_post_on_wall",
    "may_see",
    "mention_candidates",
    "moderation_queue",
    "new_posts_count",
    "paginate",
    "person_shape",
    "pinned_cards",
    "pinned_posts",
    "post_files",
    "profile_posts",
    "reactors",
    "recent_decisions",
    "rights",
    "saved_post_ids",
    "sees_post",
    "shaped_person",
    "share_refusal",
    "space_page",
    "space_posts",
    "space_wall_page",
    "viewed_post_ids",
    "viewer_may",
    "viewer_sees",
    "visible_activity_items",
    "visible_posts",
    "with_display",
    "with_viewer_state",
    "written_comment",
]
