"""`access_post` reads the post it opens as a page's posts are read (`display_rows`, issue 15):
its author, space, files and shared original loaded, in a fixed number of queries, reading them
costing none more."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.feed import actions, queries
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def test_access_post_loads_what_showing_the_post_needs() -> None:
    author, reader = make_user(), make_user()
    space = make_space(owner=author, kind="open", members=(reader,))
    with_files = actions.create_post(
        actor=author,
        body="Files",
        space=space,
        attachments=[(SimpleUploadedFile("notes.txt", b"hello", "text/plain"), "notes.txt")],
    )
    other = actions.create_post(
        actor=author,
        body="Other files",
        space=space,
        attachments=[(SimpleUploadedFile("b.txt", b"b", "text/plain"), "b.txt")],
    )
    shared = actions.share_post(actor=reader, post=with_files, body="Look", space=space)
    plain = make_post(author=author, space=space, body="Plain")
    for post, expected_queries in ((with_files, 3), (shared, 4), (plain, 3)):
        with CaptureQueriesContext(connection) as captured:
            found = queries.access_post(reader, post.pk)
            names = [f.original_name for f in found.attachments.all()]
            author_name = found.author.display_name
            space_slug = found.space.slug if found.space else ""
            original = found.shared_from.body if found.shared_from is not None else None
        # Whether they see it, the row, its files, and the shared original when there is one.
        assert len(captured) == expected_queries, [q["sql"][:80] for q in captured]
        assert author_name and space_slug == space.slug
        assert names == [a.original_name for a in post.attachments.all()]
        assert original == (with_files.body if post == shared else None)
    # A queryset made from the files is the post's own files, not every post's.
    assert list(queries.access_post(reader, other.pk).attachments.filter(size__gte=0)) == list(
        other.attachments.all()
    )
    with pytest.raises(queries.NotFound):
        queries.access_post(make_user(role="guest"), plain.pk)
