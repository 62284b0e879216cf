"""Feed parsing, discovery and conditional fetching, against fixtures and servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiohttp import web

from bot.news.errors import FetchError
from bot.news.feeds import (
    MAX_ENTRIES,
    MAX_SUMMARY_CHARS,
    FeedError,
    FeedRequest,
    FeedResult,
    discover_feed,
    fetch_feed,
    fetch_feeds,
    find_feed_links,
    looks_like_feed,
    parse_feed,
)
from bot.news.fetch import Fetcher
from newsbrief_testkit.local_site import LocalSite

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
RSS2 = (FIXTURES / "rss2.xml").read_bytes()
RSS1 = (FIXTURES / "rss1.rdf").read_bytes()
ATOM = (FIXTURES / "atom.xml").read_bytes()
BROKEN = (FIXTURES / "broken.xml").read_bytes()
SITE = (FIXTURES / "site.html").read_bytes()

RSS_TYPE = "application/rss+xml; charset=utf-8"
FEED_URL = "https://gazette.example/local/feed.xml"


def _rss(items: str, *, title: str = "Test Feed", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://feed.example/</link>{items}</channel></rss>"
    )


def _item(title: str, *, guid: str = "", link: str = "", date: str = "", description: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link:
        parts.append(f"<link>{link}</link>")
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description:
        parts.append(f"<description>{description}</description>")
    return f"<item>{''.join(parts)}</item>"


# --- parsing ---------------------------------------------------------------------------------


def test_rss2_items_are_plain_text_with_utc_dates_and_authors() -> None:
    feed = parse_feed(RSS2, url=FEED_URL, content_type=RSS_TYPE)

    assert feed.title == "Harbour Gazette — Local news"
    assert feed.link == "https://gazette.example/local"
    first = feed.items[0]
    assert first.title == "Council approves £12m flood wall for the old quay"
    assert first.summary == (
        "Councillors voted 31 to 4 on Monday night for the £12m scheme, which will raise the quay wall by "
        "1.2 metres.\nWork starts in May."
    )
    assert first.published == datetime(2026, 3, 3, 9, 15, tzinfo=UTC)
    assert first.authors == ("Priya Nair",)
    assert first.source == "Harbour Gazette — Local news"
    assert first.feed_url == FEED_URL
    assert first.language == "en"


def test_rss2_date_with_offset_is_converted_to_utc() -> None:
    lifeboat = parse_feed(RSS2, url=FEED_URL).items[2]

    assert lifeboat.published == datetime(2026, 3, 2, 13, 2, tzinfo=UTC)


def test_item_without_description_takes_its_summary_from_content() -> None:
    lifeboat = parse_feed(RSS2, url=FEED_URL).items[2]

    assert lifeboat.summary == "The pair were spotted clinging to their upturned boat by a dog walker."


def test_relative_item_link_is_resolved_against_the_feed_url() -> None:
    lifeboat = parse_feed(RSS2, url=FEED_URL).items[2]

    assert lifeboat.link == "https://gazette.example/local/lifeboat-rescue-gull-point"


def test_item_without_date_has_no_published_time() -> None:
    letters = parse_feed(RSS2, url=FEED_URL).items[3]

    assert letters.published is None


def test_rss1_rdf_feed_is_read() -> None:
    feed = parse_feed(RSS1, url="https://valley-post.example/rss")

    assert feed.title == "The Valley Post"
    (item,) = feed.items
    assert item.title == "Ardle woollen mill reopens with 40 jobs"
    assert item.key == "guid:https://valley-post.example/2026/03/mill-reopens"
    assert item.authors == ("Hamish Reid",)
    assert item.published == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


def test_atom_feed_is_read_with_html_titles_decoded_and_every_author() -> None:
    feed = parse_feed(ATOM, url="https://nordkurier.example/atom.xml")

    ferry = feed.items[0]
    assert ferry.title == "Fähre nach Rügen fährt wieder – mit neuem Fahrplan"
    assert ferry.summary == "Nach drei Monaten Pause legt die Fähre ab Montag wieder stündlich ab."
    assert ferry.authors == ("Jana Köhler", "Olaf Brandt")
    assert ferry.published == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    assert ferry.link == "https://nordkurier.example/region/faehre-ruegen"


def test_atom_entry_with_only_an_update_time_uses_it() -> None:
    parking = parse_feed(ATOM, url="https://nordkurier.example/atom.xml").items[1]

    assert parking.published == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def test_item_key_is_the_guid_when_there_is_one() -> None:
    items = parse_feed(RSS2, url=FEED_URL).items

    assert items[0].key == "guid:gazette-2026-0412"


def test_item_key_without_guid_is_the_link_without_tracking_parameters() -> None:
    bus = parse_feed(RSS2, url=FEED_URL).items[1]

    assert bus.key == "link:https://gazette.example/local/school-bus-route"
    assert "utm_campaign" in (bus.link or "")  # the link itself is left as published


def test_item_key_without_guid_or_link_is_a_hash_of_title_and_date() -> None:
    data = _rss(_item("Budget day", date="Wed, 04 Mar 2026 12:00:00 GMT") + _item("Budget day"))

    dated, undated = parse_feed(data.encode(), url=FEED_URL).items

    stamp = datetime(2026, 3, 4, 12, 0, tzinfo=UTC).isoformat()
    assert dated.key == "hash:" + hashlib.sha256(f"Budget day\x1f{stamp}".encode()).hexdigest()[:32]
    assert undated.key.startswith("hash:")
    assert undated.key != dated.key


def test_repeated_guid_falls_back_to_the_link() -> None:
    data = _rss(
        _item("First story", guid="post", link="https://feed.example/a")
        + _item("Second story", guid="post", link="https://feed.example/b")
    )

    first, second = parse_feed(data.encode(), url=FEED_URL).items

    assert (first.key, second.key) == ("guid:post", "link:https://feed.example/b")


def test_the_same_item_twice_in_a_feed_is_kept_once() -> None:
    twice = _item("Same story", guid="x1", link="https://feed.example/x")

    items = parse_feed(_rss(twice + twice).encode(), url=FEED_URL).items

    assert [item.title for item in items] == ["Same story"]


def test_aggregator_item_names_its_own_outlet() -> None:
    item = (
        "<item><title>Rates held at 4%</title><link>https://agg.example/r/1</link>"
        '<source url="https://wire.example/rss">Wire Service</source></item>'
    )

    (parsed,) = parse_feed(_rss(item, title="Top stories - Aggregator").encode(), url=FEED_URL).items

    assert parsed.source == "Wire Service"


def test_long_summary_is_clipped_at_a_word() -> None:
    description = "word " * 1000

    (item,) = parse_feed(_rss(_item("Long", description=description)).encode(), url=FEED_URL).items

    assert len(item.summary) <= MAX_SUMMARY_CHARS + 1
    assert item.summary.endswith("word…")


def test_entries_beyond_the_cap_are_not_read() -> None:
    items = "".join(_item(f"Story {n}", link=f"https://feed.example/{n}") for n in range(MAX_ENTRIES + 20))

    feed = parse_feed(_rss(items).encode(), url=FEED_URL)

    assert len(feed.items) == MAX_ENTRIES
    assert feed.items[-1].title == f"Story {MAX_ENTRIES - 1}"


@pytest.mark.parametrize(
    "document",
    [
        _rss("".join(_item(f"Story {n}", link=f"https://feed.example/{n}") for n in range(MAX_ENTRIES + 300))),
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
        + "".join(f"<entry><id>e{n}</id><title>Story {n}</title></entry>" for n in range(MAX_ENTRIES + 300))
        + "</feed>",
    ],
    ids=["rss", "atom"],
)
def test_feedparser_is_handed_no_more_than_the_cap_as_well_formed_xml(
    document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[tuple[int, bool]] = []
    real_parse = feedparser.parse

    def spy(source: Any, **kwargs: Any) -> Any:
        result = real_parse(source, **kwargs)
        handed.append((len(result["entries"]), bool(result["bozo"])))
        return result

    monkeypatch.setattr(feedparser, "parse", spy)

    feed = parse_feed(document.encode(), url=FEED_URL)

    assert handed == [(MAX_ENTRIES, False)]
    assert feed.title in ("Test Feed", "Wire")


def test_broken_xml_is_accepted_when_items_were_recovered() -> None:
    feed = parse_feed(BROKEN, url="https://bayradio.example/news/rss")

    titles = [item.title for item in feed.items]
    assert titles[0] == "Storm warning for the coast & islands tonight"
    assert "Bridge closed after lorry strikes railing" in titles


def test_broken_xml_without_any_item_raises_a_clear_feed_error() -> None:
    with pytest.raises(FeedError, match="broken and no items could be read") as caught:
        parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut off', url=FEED_URL)

    assert caught.value.kind == "bad_feed"


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedError, match="is not a news feed"):
        parse_feed(SITE, url="https://gazette.example/")


def test_empty_body_is_not_a_feed() -> None:
    with pytest.raises(FeedError, match="empty"):
        parse_feed(b"  \n", url=FEED_URL)


def test_bytes_naming_a_local_file_are_not_opened(tmp_path: Path) -> None:
    local = tmp_path / "secret.xml"
    local.write_bytes(RSS2)

    with pytest.raises(FeedError):
        parse_feed(str(local).encode(), url=FEED_URL)


def test_bytes_naming_a_url_are_not_fetched(local_site: LocalSite) -> None:
    target = local_site.add("/feed.xml", RSS2, content_type=RSS_TYPE)

    with pytest.raises(FeedError):
        parse_feed(target.encode(), url=FEED_URL)

    assert local_site.hits["/feed.xml"] == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml; charset=ISO-8859-1", "application/rss+xml", "text/xml; charset=us-ascii"],
)
def test_utf8_bytes_declared_latin1_give_readable_titles(content_type: str) -> None:
    mislabelled = RSS2.replace(b'encoding="utf-8"', b'encoding="ISO-8859-1"')

    feed = parse_feed(mislabelled, url=FEED_URL, content_type=content_type)

    assert feed.items[0].title == "Council approves £12m flood wall for the old quay"
    assert feed.title == "Harbour Gazette — Local news"


def test_declaration_beats_a_wrong_header_when_the_header_cannot_decode() -> None:
    text = _rss(_item("Паром на Рюген снова ходит"), encoding="windows-1251")

    feed = parse_feed(text.encode("cp1251"), url=FEED_URL, content_type="application/rss+xml; charset=utf-8")

    assert feed.items[0].title == "Паром на Рюген снова ходит"


def test_header_charset_is_used_when_the_declaration_cannot_decode() -> None:
    text = _rss(_item("“Fair result,” says coach"), encoding="utf-8")

    feed = parse_feed(text.encode("cp1252"), url=FEED_URL, content_type="text/xml; charset=windows-1252")

    assert feed.items[0].title == "“Fair result,” says coach"


def test_latin1_label_is_read_as_windows_1252() -> None:
    data = _rss(_item("“Fair result,” says coach"), encoding="ISO-8859-1").encode("cp1252")

    assert parse_feed(data, url=FEED_URL).items[0].title == "“Fair result,” says coach"


# --- links in pages --------------------------------------------------------------------------


def test_feed_links_are_found_in_document_order_and_resolved() -> None:
    links = find_feed_links(SITE.decode(), url="https://gazette.example/local/today")

    assert links == [
        "https://gazette.example/local/feed.xml",
        "https://gazette.example/comments/feed.xml",
        "https://gazette.example/local/atom.xml",
    ]


def test_feed_links_resolve_against_base_href() -> None:
    page = (
        '<html><head><base href="https://cdn.gazette.example/site/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>'
    )

    assert find_feed_links(page, url="https://gazette.example/") == ["https://cdn.gazette.example/site/atom.xml"]


def test_links_that_are_not_feeds_are_ignored() -> None:
    page = (
        '<head><link rel="alternate" hreflang="fr" href="/fr/"><link rel="stylesheet" type="text/css" href="/a.css">'
        '<link rel="alternate" type="application/json+oembed" href="/oembed"></head>'
    )

    assert find_feed_links(page, url="https://gazette.example/") == []


# --- a local server that answers conditional requests ----------------------------------------


@dataclass
class FeedServer:
    """Routes for conditional GET and concurrency checks, on 127.0.0.1 and a free port."""

    port: int = 0
    hits: list[str] = field(default_factory=list)
    conditional_headers: list[tuple[str | None, str | None]] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    most_in_flight: dict[str, int] = field(default_factory=dict)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


ETAG = '"v42"'
LAST_MODIFIED = "Tue, 03 Mar 2026 09:00:00 GMT"
SERVER_KEY = web.AppKey("feed_server", FeedServer)


async def _etag_feed(request: web.Request) -> web.Response:
    server = request.app[SERVER_KEY]
    server.hits.append(request.path)
    server.conditional_headers.append((request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")))
    if request.headers.get("If-None-Match") == ETAG:
        return web.Response(status=304, headers={"ETag": ETAG})
    return web.Response(body=RSS2, headers={"Content-Type": RSS_TYPE, "ETag": ETAG})


async def _last_modified_feed(request: web.Request) -> web.Response:
    server = request.app[SERVER_KEY]
    server.hits.append(request.path)
    if request.headers.get("If-Modified-Since") == LAST_MODIFIED:
        return web.Response(status=304)
    return web.Response(body=ATOM, headers={"Content-Type": "application/atom+xml", "Last-Modified": LAST_MODIFIED})


async def _slow_feed(request: web.Request) -> web.Response:
    """Answers after a pause, counting how many requests to the same Host header overlap."""
    server = request.app[SERVER_KEY]
    server.hits.append(request.path)
    host = request.host
    server.in_flight[host] = server.in_flight.get(host, 0) + 1
    server.most_in_flight[host] = max(server.most_in_flight.get(host, 0), server.in_flight[host])
    try:
        await asyncio.sleep(0.05)
    finally:
        server.in_flight[host] -= 1
    return web.Response(body=RSS1, headers={"Content-Type": "application/rdf+xml"})


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app[SERVER_KEY] = server
    app.router.add_get("/etag.xml", _etag_feed)
    app.router.add_get("/modified.xml", _last_modified_feed)
    app.router.add_get("/slow/{name}", _slow_feed)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    yield server
    await runner.cleanup()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, total_timeout=5) as shared:
        yield shared


class RecordingExecutor(Executor):
    """A thread pool that remembers which functions were handed to it."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.calls: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls.append(getattr(getattr(fn, "func", fn), "__name__", "?"))
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


# --- fetching --------------------------------------------------------------------------------


async def test_fetch_feed_returns_items_and_validators(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetch_feed(fetcher, feed_server.url("/etag.xml"))

    assert not result.not_modified
    assert result.feed is not None
    assert result.feed.items[0].title == "Council approves £12m flood wall for the old quay"
    assert result.etag == result.feed.etag == ETAG


async def test_fetch_feed_with_matching_etag_is_not_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetch_feed(fetcher, feed_server.url("/etag.xml"), etag=ETAG)

    assert result.not_modified
    assert result.feed is None
    assert result.etag == ETAG
    assert feed_server.conditional_headers == [(ETAG, None)]


async def test_fetch_feed_with_last_modified_is_not_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    first = await fetch_feed(fetcher, feed_server.url("/modified.xml"))
    second = await fetch_feed(fetcher, feed_server.url("/modified.xml"), last_modified=first.last_modified)

    assert first.last_modified == LAST_MODIFIED
    assert second.not_modified
    assert second.last_modified == LAST_MODIFIED


async def test_fetch_feed_parses_in_the_given_executor(feed_server: FeedServer, fetcher: Fetcher) -> None:
    executor = RecordingExecutor()
    try:
        await fetch_feed(fetcher, feed_server.url("/etag.xml"), executor=executor)
    finally:
        executor.shutdown()

    assert "parse_feed" in executor.calls


async def test_fetch_feed_missing_feed_is_an_http_status_error(local_site: LocalSite, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_feed(fetcher, local_site.url("/no-such-feed.xml"))

    assert (caught.value.kind, caught.value.status) == ("http_status", 404)


async def test_fetch_feed_from_a_hanging_server_times_out(local_site: LocalSite) -> None:
    url = local_site.add("/slow.xml", RSS2, content_type=RSS_TYPE, delay=3)

    async with Fetcher(allow_private=True, total_timeout=0.3) as impatient:
        with pytest.raises(FetchError) as caught:
            await fetch_feed(impatient, url)

    assert caught.value.kind == "timeout"


async def test_fetch_feed_over_the_size_cap_is_too_large(local_site: LocalSite) -> None:
    huge = _rss("".join(_item(f"Story {n}", link=f"https://feed.example/{n}") for n in range(3000)))
    url = local_site.add("/huge.xml", huge, content_type=RSS_TYPE)

    async with Fetcher(allow_private=True, max_bytes=50_000) as capped:
        with pytest.raises(FetchError) as caught:
            await fetch_feed(capped, url)

    assert caught.value.kind == "too_large"


async def test_fetch_feed_of_an_html_page_is_refused(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/page", SITE)

    with pytest.raises(FetchError) as caught:
        await fetch_feed(fetcher, url)

    assert caught.value.kind == "not_html"


# --- discovery -------------------------------------------------------------------------------


async def test_discover_accepts_a_feed_url_as_it_is(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/local/feed.xml", RSS2, content_type=RSS_TYPE)

    found = await discover_feed(fetcher, url)

    assert (found.url, found.found_by) == (url, "direct")
    assert found.feed.title == "Harbour Gazette — Local news"


async def test_discover_accepts_a_feed_served_as_html(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/atom", ATOM, content_type="text/html; charset=utf-8")

    found = await discover_feed(fetcher, url)

    assert found.found_by == "direct"
    assert found.feed.title == "Nordkurier Beispiel"


@pytest.mark.parametrize("content_type", ["application/feed+json", "application/json", "text/plain"])
async def test_discover_reads_a_json_feed_served_as(content_type: str, local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/feed.json", (FIXTURES / "jsonfeed-1.1.json").read_bytes(), content_type=content_type)

    found = await discover_feed(fetcher, url)

    assert (found.found_by, found.feed.title, len(found.feed.items)) == ("direct", "Northern Lights Weekly", 2)


async def test_discover_follows_a_json_feed_link(local_site: LocalSite, fetcher: Fetcher) -> None:
    page = local_site.add(
        "/", '<html><head><link rel="alternate" type="application/feed+json" href="/feed.json"></head></html>'
    )
    url = local_site.add("/feed.json", (FIXTURES / "jsonfeed-1.0.json").read_bytes(), content_type="application/json")

    found = await discover_feed(fetcher, page)

    assert (found.url, found.found_by, found.feed.title) == (url, "link", "Harbour Notes")


async def test_discover_follows_the_first_alternate_link(local_site: LocalSite, fetcher: Fetcher) -> None:
    page = local_site.add("/local/today", SITE)
    feed_url = local_site.add("/local/feed.xml", RSS2, content_type=RSS_TYPE)
    local_site.add("/comments/feed.xml", RSS1, content_type=RSS_TYPE)

    found = await discover_feed(fetcher, page)

    assert (found.url, found.found_by) == (feed_url, "link")
    assert local_site.hits["/comments/feed.xml"] == 0


async def test_discover_skips_an_announced_feed_that_is_gone(local_site: LocalSite, fetcher: Fetcher) -> None:
    page = local_site.add("/", SITE)
    local_site.add("/comments/feed.xml", b"<html><body>Moved</body></html>", content_type="text/html")
    atom_url = local_site.add("/local/atom.xml", ATOM, content_type="application/atom+xml")

    found = await discover_feed(fetcher, page)

    assert found.url == atom_url
    assert local_site.hits["/local/feed.xml"] == 1


async def test_discover_guesses_common_paths_when_the_page_links_none(local_site: LocalSite, fetcher: Fetcher) -> None:
    page = local_site.add("/news/today", b"<html><head><title>Bay Radio</title></head><body>News</body></html>")
    feed_url = local_site.add("/rss.xml", BROKEN, content_type="application/xml")

    found = await discover_feed(fetcher, page)

    assert (found.url, found.found_by) == (feed_url, "guess")
    assert local_site.hits["/feed"] == local_site.hits["/rss"] == 1
    assert local_site.hits["/atom.xml"] == 0


async def test_discover_does_not_guess_when_the_page_announces_feeds(local_site: LocalSite, fetcher: Fetcher) -> None:
    page = local_site.add("/", SITE)
    local_site.add("/feed", RSS2, content_type=RSS_TYPE)

    with pytest.raises(FeedError, match="announces could not be read"):
        await discover_feed(fetcher, page)

    assert local_site.hits["/feed"] == 0


async def test_discover_gives_up_after_the_common_paths(local_site: LocalSite, fetcher: Fetcher) -> None:
    page = local_site.add("/", b"<html><body>No feeds here</body></html>")

    with pytest.raises(FeedError, match="No news feed was found"):
        await discover_feed(fetcher, page)

    assert sum(local_site.hits.values()) == 1 + 5


async def test_discover_of_a_missing_page_is_a_fetch_error(local_site: LocalSite, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await discover_feed(fetcher, local_site.url("/gone"))

    assert caught.value.kind == "http_status"


# --- many feeds at once ----------------------------------------------------------------------


async def test_fetch_feeds_fetches_a_shared_feed_once(feed_server: FeedServer, fetcher: Fetcher) -> None:
    plain = feed_server.url("/etag.xml")
    tracked = feed_server.url("/etag.xml?utm_source=discord")

    results = await fetch_feeds(fetcher, [plain, tracked, FeedRequest(plain)])

    assert feed_server.hits == ["/etag.xml"]
    assert set(results) == {plain, tracked}
    tracked_result = results[tracked]
    assert isinstance(tracked_result, FeedResult)
    assert tracked_result.url == tracked
    assert tracked_result.feed is not None


async def test_fetch_feeds_reports_each_failure_beside_the_successes(
    feed_server: FeedServer, local_site: LocalSite, fetcher: Fetcher
) -> None:
    good = feed_server.url("/etag.xml")
    missing = local_site.url("/missing.xml")
    broken = local_site.add("/broken.xml", b"<rss><channel><title>Oops", content_type=RSS_TYPE)

    results = await fetch_feeds(fetcher, [missing, good, broken])

    assert isinstance(results[good], FeedResult)
    assert isinstance(results[missing], FetchError)
    assert isinstance(results[broken], FeedError)


async def test_fetch_feeds_uses_validators_only_when_every_request_agrees(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.url("/etag.xml")

    agreed = await fetch_feeds(fetcher, [FeedRequest(url, etag=ETAG), FeedRequest(url, etag=ETAG)])
    mixed = await fetch_feeds(fetcher, [FeedRequest(url, etag=ETAG), FeedRequest(url + "?utm_medium=x")])

    agreed_result, mixed_result = agreed[url], mixed[url]
    assert isinstance(agreed_result, FeedResult)
    assert agreed_result.not_modified
    assert isinstance(mixed_result, FeedResult)
    assert mixed_result.feed is not None
    assert feed_server.conditional_headers == [(ETAG, None), (None, None)]


async def test_fetch_feeds_limits_fetches_per_host(feed_server: FeedServer, fetcher: Fetcher) -> None:
    urls = [feed_server.url(f"/slow/{n}") for n in range(6)]
    urls += [feed_server.url(f"/slow/other-{n}", host="localhost") for n in range(3)]

    results = await fetch_feeds(fetcher, urls, per_host=2, concurrency=16)

    assert all(isinstance(result, FeedResult) for result in results.values())
    assert feed_server.most_in_flight == {f"127.0.0.1:{feed_server.port}": 2, f"localhost:{feed_server.port}": 2}


async def test_fetch_feeds_limits_fetches_overall(feed_server: FeedServer, fetcher: Fetcher) -> None:
    urls = [feed_server.url(f"/slow/{n}") for n in range(4)] + [
        feed_server.url(f"/slow/other-{n}", host="localhost") for n in range(4)
    ]

    await fetch_feeds(fetcher, urls, per_host=4, concurrency=1)

    assert set(feed_server.most_in_flight.values()) == {1}


# --- feeds as real sites write them ------------------------------------------------------------


def test_undeclared_latin1_feed_reads_right() -> None:
    feed = parse_feed((FIXTURES / "latin1-undeclared.xml").read_bytes(), url=FEED_URL, content_type="text/xml")

    item = feed.items[0]
    assert item.title == "Pesquisa mostra empate técnico nas simulações de 2º turno"
    assert (feed.title, item.language) == ("Folha do Vale - Política", "pt")


def test_google_alerts_items_link_to_the_article_and_name_its_site() -> None:
    feed = parse_feed((FIXTURES / "google-alerts.xml").read_bytes(), url="https://www.google.com/alerts/feeds/1/2")

    assert [(item.title, item.link, item.source) for item in feed.items] == [
        (
            "Slack rolls out AI search to every paid workspace",
            "https://www.theverge.com/2026/12/4/24312345/slack-ai-search-paid-plans",
            "theverge.com",
        ),
        (
            "Salesforce says Slack revenue grew 18% in the quarter",
            "https://www.reuters.com/technology/salesforce-slack-revenue-2026-12-03/",
            "reuters.com",
        ),
    ]


def test_google_alerts_summary_is_clean_text() -> None:
    feed = parse_feed((FIXTURES / "google-alerts.xml").read_bytes(), url="https://www.google.com/alerts/feeds/1/2")

    assert feed.items[0].summary == (
        "Slack is bringing its AI search to every paid plan starting today. The feature answers questions from "
        "a workspace's messages and files ..."
    )


def test_item_key_of_a_wrapped_link_without_guid_is_the_article() -> None:
    wrapped = "https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example/a&amp;ct=ga"

    feed = parse_feed(_rss(_item("A", link=wrapped)), url=FEED_URL)

    assert (feed.items[0].key, feed.items[0].link) == ("link:https://news.example/a", "https://news.example/a")


def test_feedburner_item_links_to_its_original() -> None:
    item = (
        "<item><title>A</title><link>http://feedproxy.google.com/~r/Gazette/~3/xYz123/</link>"
        "<feedburner:origLink>https://gazette.example/a</feedburner:origLink></item>"
    )
    text = _rss(item).replace(
        '<rss version="2.0">', '<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">'
    )

    assert parse_feed(text, url=FEED_URL).items[0].link == "https://gazette.example/a"


def test_wordpress_summary_keeps_paragraphs_apart_without_its_footer() -> None:
    feed = parse_feed((FIXTURES / "wordpress.xml").read_bytes(), url="https://riversidecourier.example/feed/")

    cinema = feed.items[0]
    assert cinema.summary.split("\n") == [
        "The Palace cinema on Mill Street opened its doors again on Friday after a €2m face-lift",
        "Casting glamorous actors for the opening night was the easy part, said the owner, Ana Duarte. "
        "“Getting the old projector working took six months.”",
    ]
    assert (cinema.title, cinema.source, cinema.link) == (
        "Old cinema reopens after a €2m face-lift",
        "The Riverside Courier",
        "https://riversidecourier.example/2026/12/04/old-cinema-reopens/",
    )


def test_wordpress_excerpt_ends_in_an_ellipsis_without_appeared_first_on() -> None:
    feed = parse_feed((FIXTURES / "wordpress.xml").read_bytes(), url="https://riversidecourier.example/feed/")

    assert feed.items[1].summary == (
        "The council has postponed the trial of the new flood barrier until March, citing delays in delivering "
        "the steel gates. Engineers will use the winter to test the pumps instead…"
    )


def test_json_feed_1_1_items_are_read_like_rss() -> None:
    feed = parse_feed((FIXTURES / "jsonfeed-1.1.json").read_bytes(), url="https://northernlights.example/feed.json")

    ferry = feed.items[0]
    assert (feed.title, feed.link) == ("Northern Lights Weekly", "https://northernlights.example/")
    assert (ferry.title, ferry.authors, ferry.published, ferry.language) == (
        "Winter ferry timetable cuts evening sailings",
        ("Eilidh Morrison",),
        datetime(2026, 12, 4, 8, 0, tzinfo=UTC),
        "en",
    )
    assert ferry.summary == (
        "The island ferry will stop its evening sailings from January\nOperators blamed a shortage of crew."
    )
    assert ferry.key == "guid:https://northernlights.example/2026/12/ferry-timetable"


def test_json_feed_link_post_points_at_the_page_it_is_about() -> None:
    feed = parse_feed((FIXTURES / "jsonfeed-1.1.json").read_bytes(), url="https://northernlights.example/feed.json")

    aurora = feed.items[1]
    assert (aurora.key, aurora.link, aurora.authors) == (
        "guid:2041",
        "https://www.bbc.co.uk/news/articles/c0aurora2026",
        ("The Northern Lights desk",),
    )
    assert aurora.title == "Forecasters say the aurora may be visible as far south as Manchester…"


def test_json_feed_1_0_is_read_with_its_single_author_and_relative_links() -> None:
    feed = parse_feed((FIXTURES / "jsonfeed-1.0.json").read_bytes(), url="https://harbournotes.example/feed.json")

    (item,) = feed.items
    assert (item.title, item.link, item.authors, item.summary, item.published) == (
        "Lighthouse keeper’s cottage sold",
        "https://harbournotes.example/posts/lighthouse",
        ("Jo Bell",),
        "The cottage went for twice its guide price.",
        datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    )


def test_json_without_a_json_feed_version_is_not_a_feed() -> None:
    with pytest.raises(FeedError, match="not a news feed"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1" ', url=FEED_URL)


def test_undefined_entities_are_not_shown_in_titles_or_summaries() -> None:
    text = _rss(_item("Ministers &lol9; meet", description="Talks &lol9; resumed. &lt;p&gt;Again &amp;lol8;&lt;/p&gt;"))
    declared = text.replace("<rss", '<!DOCTYPE rss [<!ENTITY lol9 "lol">]><rss')

    item = parse_feed(declared, url=FEED_URL).items[0]

    assert (item.title, item.summary) == ("Ministers meet", "Talks resumed.\nAgain")


def test_json_feed_is_told_by_its_content_whatever_its_type() -> None:
    assert looks_like_feed((FIXTURES / "jsonfeed-1.0.json").read_bytes())
    assert not looks_like_feed(b'{"name": "not a feed", "items": []}')


def test_json_feed_link_is_found_on_a_page() -> None:
    page = '<html><head><link rel="alternate" type="application/feed+json" href="/feed.json"></head></html>'

    assert find_feed_links(page, url="https://northernlights.example/") == ["https://northernlights.example/feed.json"]


# --- pictures ----------------------------------------------------------------------------------

MEDIA_RSS = 'xmlns:media="http://search.yahoo.com/mrss/"'


def _media_rss(item_parts: str) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {MEDIA_RSS}><channel><title>Wire</title>'
        f"<item><title>Bridge closed</title><link>https://wire.example/news/bridge</link>{item_parts}</item>"
        "</channel></rss>"
    )


def _picture(item_parts: str) -> str | None:
    (item,) = parse_feed(_media_rss(item_parts), url="https://wire.example/feed.xml").items
    return item.image


def test_item_picture_is_its_media_content_image_before_its_thumbnail() -> None:
    parts = (
        '<media:thumbnail url="https://wire.example/small.jpg"/>'
        '<media:content url="https://wire.example/video.mp4" type="video/mp4"/>'
        '<media:content url="https://wire.example/large.jpg" medium="image"/>'
    )
    assert _picture(parts) == "https://wire.example/large.jpg"


def test_item_picture_falls_back_to_a_thumbnail_resolved_against_the_item_link() -> None:
    assert _picture('<media:thumbnail url="../pictures/bridge.jpg"/>') == "https://wire.example/pictures/bridge.jpg"


def test_item_picture_may_be_an_image_enclosure_but_not_an_audio_one() -> None:
    audio = '<enclosure url="https://wire.example/show.mp3" type="audio/mpeg" length="1"/>'
    image = '<enclosure url="https://wire.example/bridge.png" type="image/png" length="1"/>'
    assert (_picture(audio), _picture(audio + image)) == (None, "https://wire.example/bridge.png")


def test_item_picture_that_is_not_http_is_dropped() -> None:
    parts = '<media:content url="data:image/png;base64,AAAA" medium="image"/><media:thumbnail url="ftp://x/a.jpg"/>'
    assert _picture(parts) is None


def test_json_feed_item_picture_is_its_image_else_its_banner_image() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Wire",
        "items": [
            {"id": "1", "url": "https://wire.example/a", "title": "A", "image": "/a.jpg", "banner_image": "/wide.jpg"},
            {"id": "2", "url": "https://wire.example/b", "title": "B", "banner_image": "https://cdn.example/b.jpg"},
            {"id": "3", "url": "https://wire.example/c", "title": "C"},
        ],
    }
    feed = parse_feed(json.dumps(document), url="https://wire.example/feed.json")

    assert [item.image for item in feed.items] == ["https://wire.example/a.jpg", "https://cdn.example/b.jpg", None]
