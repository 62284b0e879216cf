"""OPML files as feed readers export them, and the ones an import must refuse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.news.opml import MAX_OPML_BYTES, OpmlError, OpmlFeed, parse_opml, write_opml

FIXTURES = Path(__file__).parent / "fixtures" / "opml"


def outlines(count: int) -> bytes:
    rows = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="https://feed{n}.example/rss"/>' for n in range(count))
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{rows}</body></opml>'.encode()


def test_feedly_export_lists_each_feed_once_with_its_folder() -> None:
    feeds = parse_opml((FIXTURES / "feedly.opml").read_bytes())

    assert [(feed.title, feed.url, feed.folder) for feed in feeds] == [
        ("BBC News - World", "https://feeds.bbci.co.uk/news/world/rss.xml", "World"),
        (
            "Al Jazeera – Breaking News, World News and Video from Al Jazeera",
            "https://www.aljazeera.com/xml/rss/all.xml",
            "World",
        ),
        ("The Riverside Courier", "https://riversidecourier.example/feed/", "Local"),
    ]
    assert feeds[0].site_url == "https://www.bbc.co.uk/news/world"


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        ("inoreader.xml", ["The Verge", "Google Alert - Slack"]),
        ("netnewswire.opml", ["Daring Fireball", "Northern Lights Weekly"]),
        ("thunderbird.opml", ["Harbour Gazette — Local news", "Folha do Vale - Política"]),
    ],
)
def test_exports_of_common_readers_are_read(name: str, titles: list[str]) -> None:
    assert [feed.title for feed in parse_opml((FIXTURES / name).read_bytes())] == titles


def test_written_opml_reads_back_the_same_feeds() -> None:
    feeds = [
        OpmlFeed(
            url="https://gazette.example/feed.xml", title="Harbour Gazette & Sons", site_url="https://gazette.example/"
        ),
        OpmlFeed(url="https://northernlights.example/feed.json", title="Northern Lights <Weekly>"),
    ]

    written = write_opml(feeds, title="Feeds of Coast", created=datetime(2026, 12, 5, 9, 0, tzinfo=UTC))

    assert parse_opml(written) == feeds
    assert b"<dateCreated>Sat, 05 Dec 2026 09:00:00 +0000</dateCreated>" in written


def test_a_file_that_is_not_xml_is_refused() -> None:
    with pytest.raises(OpmlError, match="not XML"):
        parse_opml(b'{"feeds": ["https://gazette.example/feed.xml"]}')


def test_broken_xml_is_refused_with_where_it_breaks() -> None:
    with pytest.raises(OpmlError, match="not well-formed XML"):
        parse_opml(b'<opml version="2.0"><body><outline xmlUrl="https://a.example/rss"></body></opml>')


def test_xml_that_is_not_opml_is_refused() -> None:
    with pytest.raises(OpmlError, match="root element is <rss>"):
        parse_opml(b'<rss version="2.0"><channel/></rss>')


def test_entity_expansion_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(laughs)


def test_external_entities_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("token")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY secret SYSTEM "{secret.as_uri()}">]>'
        '<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/rss"/></body></opml>'
    ).encode()
    with pytest.raises(OpmlError, match="external"):
        parse_opml(xxe)


def test_a_file_over_the_size_cap_is_refused_before_parsing() -> None:
    with pytest.raises(OpmlError, match="too large"):
        parse_opml(b" " * (MAX_OPML_BYTES + 1) + outlines(1))


def test_more_feeds_than_the_cap_are_refused() -> None:
    with pytest.raises(OpmlError, match="more than 500 feeds"):
        parse_opml(outlines(10_000))


def test_a_file_without_feeds_is_refused() -> None:
    with pytest.raises(OpmlError, match="lists no feeds"):
        parse_opml(b'<opml version="2.0"><head/><body><outline text="Empty folder"/></body></opml>')


def test_deeply_nested_folders_are_walked_without_recursion() -> None:
    depth = 20_000
    nested = (
        '<outline text="f">' * depth + '<outline text="Deep" xmlUrl="https://deep.example/rss"/>' + "</outline>" * depth
    )
    data = f'<opml version="2.0"><body>{nested}</body></opml>'.encode()

    assert [feed.url for feed in parse_opml(data)] == ["https://deep.example/rss"]
