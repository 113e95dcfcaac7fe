"""Who sees and may act on a post — decided here and only here — and every read of the wall.

One module per part (`visibility`, `pages`, `comments`, `moderation`, `announcements`,
`mentions`, `live`); callers import this package (`from cercle.feed import queries`).

Visibility of a post:
- deactivated people see nothing; organisation admins see everything;
- a post on a space's wall is seen by those who may read that wall
  (`cercle.spaces.queries.can_read_wall`: members; every non-guest for open spaces and the
  organisation space);
- a post on a profile wall is seen by every active non-guest, and by a guest only when it is theirs
  (written by them or on their wall, before they became a guest: guests may not post on a wall,
  `may_post_on_wall`).

Actions on a visible post (`can`):
- comment, react: anyone who sees it, while its space is not archived;
- share: non-guests who see it (where to is checked by `share_refusal`);
- edit: its author, while the space is not archived;
- delete: its author, the wall's owner, the space's moderators and up, organisation admins;
- pin: the space's moderators and up, organisation admins (space posts only).
"""

from __future__ import annotations

from cercle.feed.queries.announcements import (
    COMPOSER_SPACES,
    REMIND_COOLDOWN,
    AckRow,
    PostTarget,
    access_announcement,
    acknowledgement_progress,
    acknowledgements,
    active_announcements,
    announce_options,
    announcement_audience,
    announcement_choices,
    announcement_of,
    announcement_target_ids,
    announcement_targets,
    can_follow_up,
    composer_targets,
    next_reminder_at,
)
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
    is_targeted,
    load_plan,
    loses_announcement,
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
    PostCard,
    follows_hashtag,
    get_hashtag,
    hashtag_posts,
    home_posts,
    new_posts_count,
    paginate,
    pinned_posts,
    profile_posts,
    space_posts,
    with_viewer_state,
)
from cercle.feed.queries.visibility import (
    ACTIONS,
    ACTIVE_ANNOUNCEMENTS,
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
    can_announce,
    can_announce_in,
    may_post_on_wall,
    rights,
    sees_post,
    share_refusal,
    viewer_may,
    viewer_sees,
    visible_posts,
    with_display,
)

__all__ = [
    "ACTIONS",
    "ACTIVE_ANNOUNCEMENTS",
    "COMPOSER_SPACES",
    "FILTERS",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "REMIND_COOLDOWN",
    "AckRow",
    "Action",
    "Audience",
    "CommentCard",
    "NotFound",
    "PostCard",
    "PostRights",
    "PostTarget",
    "Thread",
    "Viewer",
    "access_announcement",
    "access_comment",
    "access_post",
    "access_report",
    "acknowledgement_progress",
    "acknowledgements",
    "active_announcements",
    "announce_options",
    "announcement_audience",
    "announcement_choices",
    "announcement_of",
    "announcement_target_ids",
    "announcement_targets",
    "audience_is_covered",
    "can",
    "can_announce",
    "can_announce_in",
    "can_follow_up",
    "can_moderate_report",
    "comment_threads",
    "composer_targets",
    "follows_hashtag",
    "get_hashtag",
    "hashtag_posts",
    "home_posts",
    "is_own_reported_content",
    "is_targeted",
    "load_plan",
    "loses_announcement",
    "may_delete_comment",
    "may_edit_comment",
    "may_post_on_wall",
    "may_see",
    "mention_candidates",
    "moderation_queue",
    "new_posts_count",
    "next_reminder_at",
    "paginate",
    "pinned_posts",
    "profile_posts",
    "reactors",
    "recent_decisions",
    "rights",
    "saved_post_ids",
    "sees_post",
    "share_refusal",
    "space_posts",
    "viewer_may",
    "viewer_sees",
    "visible_posts",
    "with_display",
    "with_viewer_state",
    "written_comment",
]
