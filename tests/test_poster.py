"""The Discord poster's reading of its own digest messages: the links that tell which stories a
message already carries (Discord returns no nonce to match by)."""

from __future__ import annotations

from bot.embeds import pack_digest
from bot.poster import embed_links
from tests.test_digest_embeds import make_digest, make_story


def test_a_digest_message_shows_each_storys_link_and_every_outlets_link() -> None:
    single = make_story(1)
    covered = make_story(2, outlets=("Harbour Gazette", "Bay Radio News", "Coast Times"))
    (message,) = pack_digest(make_digest((single, covered)))

    links = embed_links(message.embeds)

    assert links == {*single.links, *covered.links}
    assert len(links) == 4


def test_a_nothing_new_message_shows_no_links() -> None:
    (message,) = pack_digest(make_digest(()))

    assert embed_links(message.embeds) == frozenset()
