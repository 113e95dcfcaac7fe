"""Browser: create a space, invite a colleague, post with a mention and a hashtag; the colleague
is notified, accepts, comments and reacts; the author sees both; sharing; a 360 px phone."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import PASSWORD, make_post, make_user
from tests.helpers.browser import log_in


def person_page(new_page: Any, **kwargs: Any) -> Any:
    """A page whose /ws/ attempts are closed at once: the live server speaks HTTP only, and its
    shared in-memory SQLite database reports "table is locked" under concurrent reconnections."""
    page = new_page(locale="en-US", **kwargs)
    page.route_web_socket("**/ws/**", lambda ws: ws.close())
    return page


def test_space_invitation_post_mention_comment_and_reaction(
    new_page: Any, transactional_db: Any
) -> None:
    make_user(username="anne", first_name="Anne", last_name="Martin")
    make_user(username="bob", first_name="Bob", last_name="Durand")
    anne = person_page(new_page)
    log_in(anne, "anne", PASSWORD)

    # Anne creates a private space from the Spaces page, using the keyboard-reachable form.
    anne.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Spaces"
    ).click()
    anne.get_by_role("link", name="Create a space").click()
    anne.get_by_label("Name").fill("Projet Jardin")
    anne.get_by_label("Private: by invitation only, listed").check()
    anne.get_by_role("button", name="Create").click()
    anne.wait_for_url(re.compile(r"/spaces/projet-jardin/$"))
    assert anne.get_by_role("heading", level=1).inner_text() == "Projet Jardin"

    # She invites Bob by username.
    anne.get_by_role("link", name="Members").click()
    anne.get_by_label("People").fill("bob")
    anne.get_by_role("button", name="Invite", exact=True).click()
    anne.wait_for_selector("text=1 invitation sent.")

    # Bob sees the invitation on his home page and in his bell, and accepts.
    bob = person_page(new_page)
    log_in(bob, "bob", PASSWORD)
    # The count comes with the socket's `hello`: give a loaded CI machine time to open it.
    bob.wait_for_selector("#notification-bell .bell-count", timeout=20_000)
    assert "Projet Jardin" in bob.locator("#invitations-heading + ul").inner_text()
    bob.get_by_role("button", name=re.compile(r"^Accept")).first.click()
    bob.wait_for_url(re.compile(r"/spaces/projet-jardin/$"))

    # Anne posts with a mention and a hashtag.
    anne.get_by_role("link", name="Wall").click()
    anne.get_by_label("Write on the space's wall").fill(
        "Bienvenue @bob ! On plante #tomates samedi."
    )
    anne.get_by_role("button", name="Post", exact=True).click()
    post = anne.locator("article.post").first
    post.wait_for()
    assert post.locator("a.mention").inner_text() == "@bob"
    assert post.locator("a.hashtag").inner_text() == "#tomates"

    # Bob is notified, opens the notification, comments and reacts.
    bob.goto("/notifications/")
    bob.get_by_role("link", name=re.compile("Anne Martin mentioned you")).click()
    bob.wait_for_url(re.compile(r"/posts/\d+/$"))
    bob.get_by_label("Write a comment").fill("Je viens avec des graines.")
    bob.get_by_role("button", name="Comment", exact=True).click()
    bob.wait_for_selector("text=Je viens avec des graines.")
    post_id = re.search(r"/posts/(\d+)/", bob.url).group(1)  # type: ignore[union-attr]
    bob.locator(f"#reactions-p{post_id}").get_by_role("button", name="Celebrate").click()
    bob.wait_for_selector("button.reaction-mine[title='Celebrate']")

    # The hashtag page lists the post for Bob.
    bob.goto("/hashtags/tomates/")
    assert "On plante" in bob.locator("main").inner_text()

    # Anne sees both the comment and the reaction, and her bell counts them.
    anne.goto("/notifications/")
    text = anne.locator("main").inner_text()
    assert "Bob Durand commented on your post" in text
    assert "Bob Durand reacted to your post" in text
    anne.get_by_role("link", name=re.compile("Bob Durand commented on your post")).click()
    anne.wait_for_selector("text=Je viens avec des graines.")
    assert anne.locator("button.reaction[title='Celebrate'] .reaction-count").inner_text() == "1"


def test_share_a_post_to_my_wall_and_refusal_message(new_page: Any, transactional_db: Any) -> None:
    author = make_user(username="claire", first_name="Claire", last_name="Petit")
    make_user(username="dan", first_name="Dan", last_name="Roux")
    post = make_post(author=author, body="Un article à lire")
    dan = person_page(new_page)
    log_in(dan, "dan", PASSWORD)
    dan.goto(f"/posts/{post.pk}/share/")
    dan.get_by_label("Your comment (optional)").fill("À voir")
    dan.get_by_role("button", name="Share", exact=True).click()
    dan.wait_for_selector("text=The post was shared.")
    main = dan.locator("main").inner_text()
    assert "À voir" in main and "Un article à lire" in main


def test_home_feed_on_a_phone_has_no_sideways_scroll(new_page: Any, transactional_db: Any) -> None:
    person = make_user(username="eve")
    for i in range(3):
        make_post(author=person, body=f"Un message assez long numéro {i} " + "mot " * 40)
    phone = person_page(new_page, width=360, height=740)
    log_in(phone, "eve", PASSWORD)
    phone.goto("/")
    phone.locator("article.post").first.wait_for()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    # The composer and the reaction buttons are reachable by keyboard.
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.className")
    assert "skip-link" in focused


def test_report_and_hide_a_post(new_page: Any, transactional_db: Any) -> None:
    from tests.factories import add_member, make_space

    owner = make_user(username="olga", first_name="Olga", last_name="Moderator")
    reader = make_user(username="rene", first_name="René", last_name="Reader")
    author = make_user(username="sam", first_name="Sam", last_name="Spammer")
    space = make_space(owner=owner, name="Cuisine")
    add_member(space, reader)
    post = make_post(author=author, space=space, body="Achetez des montres pas chères")

    rene = person_page(new_page)
    log_in(rene, "rene", PASSWORD)
    rene.goto(f"/posts/{post.pk}/")
    rene.locator("main").get_by_text("More").first.click()  # the post's, not the phone bar's
    rene.get_by_role("link", name="Report").click()
    rene.get_by_label("Spam or advertising").check()
    rene.get_by_role("button", name="Send the report").click()
    rene.wait_for_selector("text=the moderators will look at your report")

    olga = person_page(new_page)
    log_in(olga, "olga", PASSWORD)
    olga.goto(f"/spaces/{space.slug}/")
    olga.get_by_role("link", name="Reports").click()
    assert "Achetez des montres" in olga.locator("main").inner_text()
    olga.get_by_role("button", name="Hide the content").click()
    olga.wait_for_selector("text=No report is waiting.")

    rene.goto(f"/spaces/{space.slug}/")
    assert "Achetez des montres" not in rene.locator("main").inner_text()
