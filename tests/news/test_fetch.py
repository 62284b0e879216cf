"""Fetcher tests against local servers on 127.0.0.1.

A tripwire (autouse) makes every connection to anything but loopback fail in-process, and fails the
test that tried: a broken address guard shows up as a red test, never as a packet to 10.0.0.1.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import socket
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.news.errors import FetchError, FetchErrorKind
from bot.news.fetch import DEFAULT_USER_AGENT, AddressPolicy, ContentKind, Fetcher

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
ARTICLE = (FIXTURES / "article.html").read_bytes()
CYRILLIC = (FIXTURES / "cyrillic_article.html").read_text(encoding="utf-8")
FEED = (FIXTURES / "feed.rss").read_bytes()

SMALL_CAP = 50_000
"""A cap small enough that oversized bodies cost the test suite nothing."""

LOOPBACK_ONLY = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
"""Treats the test server's 127.0.0.1 as public while keeping every other non-public address blocked."""


# --- tripwire: nothing but loopback, whatever the code under test does --------------------------


class TripwireError(ConnectionRefusedError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Refuse, and record, any connect or name lookup that could send a packet off this host."""
    attempts: list[object] = []

    def check(address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if not _is_loopback(host):
            attempts.append(address)
            raise TripwireError(f"test tried to reach {address!r}")

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo
    original_sock_connect = asyncio.selector_events.BaseSelectorEventLoop.sock_connect

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return original_connect_ex(self, address)

    def sendto(self: socket.socket, *args: Any) -> int:
        check(args[-1])
        return original_sendto(self, *args)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # /etc/hosts answers "localhost"; any other name could mean a DNS query off this host.
        if host not in (None, "localhost"):
            try:
                ipaddress.ip_address(str(host).split("%")[0])
            except ValueError:
                attempts.append(host)
                raise socket.gaierror(socket.EAI_NONAME, f"test tried to resolve {host!r}") from None
        return original_getaddrinfo(host, *args, **kwargs)

    async def sock_connect(self: asyncio.AbstractEventLoop, sock: socket.socket, address: Any) -> None:
        check(address)
        await original_sock_connect(self, sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(asyncio.selector_events.BaseSelectorEventLoop, "sock_connect", sock_connect)
    yield attempts
    assert attempts == [], f"non-loopback network access attempted: {attempts}"


async def test_tripwire_refuses_non_loopback_connections(tripwire: list[object]) -> None:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as direct, pytest.raises(TripwireError):
        direct.connect(("10.0.0.1", 80))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as looped:
        looped.setblocking(False)
        with pytest.raises(TripwireError):
            await loop.sock_connect(looped, ("169.254.169.254", 80))
    with pytest.raises(socket.gaierror):
        await loop.getaddrinfo("example.com", 80)
    assert tripwire == [("10.0.0.1", 80), ("169.254.169.254", 80), "example.com"]
    tripwire.clear()


# --- local servers -----------------------------------------------------------------------------


@dataclass
class LocalServer:
    port: int = 0
    hits: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _html(body: bytes, content_type: str = "text/html; charset=utf-8") -> web.Response:
    return web.Response(body=body, headers={"Content-Type": content_type})


@functools.cache
def _gzip_bomb() -> bytes:
    """About 40 kB of gzip that inflates to 40 MB of HTML, built without holding the 40 MB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [compressor.compress(b"<html><body><p>")]
    parts += [compressor.compress(b" " * 1_000_000) for _ in range(40)]
    return b"".join([*parts, compressor.flush()])


def _random_bytes(size: int) -> bytes:
    return random.Random(1234).randbytes(size)


ROUTES = web.RouteTableDef()
SERVER_KEY = web.AppKey("server", LocalServer)


@web.middleware
async def _record(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
    server = request.app[SERVER_KEY]
    server.hits.append(request.path)
    server.user_agents.append(request.headers.get("User-Agent", ""))
    return await handler(request)


@ROUTES.get("/article")
async def _article(request: web.Request) -> web.Response:
    return _html(ARTICLE)


@ROUTES.get("/gzip-article")
async def _gzip_article(request: web.Request) -> web.Response:
    return web.Response(
        body=zlib.compress(ARTICLE, wbits=31),
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
    )


@ROUTES.get("/redirect")
async def _redirect_chain(request: web.Request) -> web.Response:
    hops = int(request.query["hops"])
    raise web.HTTPFound("/article" if hops == 1 else f"/redirect?hops={hops - 1}")


@ROUTES.get("/loop/{name}")
async def _redirect_loop(request: web.Request) -> web.Response:
    raise web.HTTPFound("/loop/b" if request.match_info["name"] == "a" else "/loop/a")


@ROUTES.get("/to")
async def _redirect_to(request: web.Request) -> web.Response:
    response = web.HTTPFound(request.query["url"])
    if "close" in request.query:
        response.force_close()
    raise response


@ROUTES.get("/charset/header-koi8r")
async def _koi8r_by_header(request: web.Request) -> web.Response:
    # KOI8-R has no guillemets or dashes: typed-on-a-1990s-keyboard punctuation instead.
    page = CYRILLIC.translate(str.maketrans("«»—", '""-'))
    return _html(page.encode("koi8_r"), "text/html; charset=koi8-r")


@ROUTES.get("/charset/meta")
async def _cp1251_by_meta(request: web.Request) -> web.Response:
    page = CYRILLIC.replace("<head>", '<head>\n<meta charset="windows-1251">')
    return _html(page.encode("cp1251"), "text/html")


@ROUTES.get("/charset/http-equiv")
async def _cp1251_by_http_equiv(request: web.Request) -> web.Response:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    return _html(CYRILLIC.replace("<head>", f"<head>\n{meta}").encode("cp1251"), "text/html")


@ROUTES.get("/charset/header-beats-meta")
async def _cp1251_header_against_meta(request: web.Request) -> web.Response:
    page = CYRILLIC.replace("<head>", '<head>\n<meta charset="koi8-r">')
    return _html(page.encode("cp1251"), "text/html; charset=windows-1251")


@ROUTES.get("/charset/undeclared")
async def _cp1251_undeclared(request: web.Request) -> web.Response:
    return _html(CYRILLIC.encode("cp1251"), "text/html")


@ROUTES.get("/charset/latin1-label")
async def _cp1252_labelled_latin1(request: web.Request) -> web.Response:
    page = "<p>\u201cIt was a fair result,\u201d she said.</p>"
    return _html(page.encode("cp1252"), "text/html; charset=iso-8859-1")


@ROUTES.get("/feed/xml-declared")
async def _feed_declared_in_xml(request: web.Request) -> web.Response:
    feed = FEED.replace(b'encoding="utf-8"', b'encoding="ISO-8859-15"')
    return _html(feed.decode("utf-8").encode("iso8859_15"), "application/rss+xml")


@ROUTES.get("/feed/rss")
async def _feed(request: web.Request) -> web.Response:
    return _html(FEED, "application/rss+xml")


@ROUTES.get("/feed/as-text-plain")
async def _feed_as_text(request: web.Request) -> web.Response:
    return _html(FEED, "text/plain")


@ROUTES.get("/sniff/html-as-octet-stream")
async def _html_as_octet_stream(request: web.Request) -> web.Response:
    return _html(ARTICLE, "application/octet-stream")


@ROUTES.get("/image.png")
async def _image(request: web.Request) -> web.Response:
    return _html(b"\x89PNG\r\n\x1a\n" + _random_bytes(2000), "image/png")


@ROUTES.get("/report.pdf")
async def _pdf(request: web.Request) -> web.Response:
    return _html(b"%PDF-1.7\n" + _random_bytes(2000), "application/pdf")


@ROUTES.get("/empty")
async def _empty(request: web.Request) -> web.Response:
    return _html(b"", "text/html")


@ROUTES.get("/random-as-html")
async def _random_as_html(request: web.Request) -> web.Response:
    return _html(_random_bytes(20_000), "text/html")


@ROUTES.get("/random-as-octet-stream")
async def _random_as_octet_stream(request: web.Request) -> web.Response:
    return _html(_random_bytes(20_000), "application/octet-stream")


@ROUTES.get("/over-cap-chunked")
async def _over_cap_chunked(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(b"<html><body>")
    for _ in range(100):  # up to 100x the cap: the client must stop long before
        await response.write(b"<p>" + b"news " * 2000 + b"</p>\n")
    await response.write_eof()
    return response


@ROUTES.get("/gzip-bomb")
async def _bomb(request: web.Request) -> web.Response:
    return web.Response(body=_gzip_bomb(), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})


@ROUTES.get("/corrupt-gzip")
async def _corrupt_gzip(request: web.Request) -> web.Response:
    return web.Response(body=_random_bytes(5000), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})


@ROUTES.get("/slow")
async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return _html(ARTICLE)


@ROUTES.get("/status/{status}")
async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["status"]), text="error page", content_type="text/html")


@ROUTES.get("/conditional")
async def _conditional(request: web.Request) -> web.Response:
    etag, modified = '"v1"', "Mon, 02 Mar 2026 07:30:00 GMT"
    if request.headers.get("If-None-Match") == etag or request.headers.get("If-Modified-Since") == modified:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(
        body=FEED, headers={"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": modified}
    )


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    local = LocalServer()
    app = web.Application(middlewares=[_record])
    app[SERVER_KEY] = local
    app.add_routes(ROUTES)
    # handler_cancellation: the slow handler stops when the client hangs up, so shutdown is quick.
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    local.port = runner.addresses[0][1]
    yield local
    await runner.cleanup()


RawServer = Callable[[bytes], Awaitable[str]]


@pytest.fixture
async def raw_server() -> AsyncIterator[RawServer]:
    """Serve one fixed byte string as the HTTP response, for answers aiohttp.web will not write."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(response: bytes) -> str:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            await reader.readuntil(b"\r\n\r\n")
            writer.write(response)
            # Hold the connection open until the client hangs up: it must not wait for more.
            await reader.read()
            writer.close()

        raw = await asyncio.start_server(answer, "127.0.0.1", 0)
        servers.append(raw)
        return f"http://127.0.0.1:{raw.sockets[0].getsockname()[1]}/"

    yield start
    for writer in writers:
        writer.close()
    for raw in servers:
        raw.close()
        await raw.wait_closed()


class ScriptedResolver(AbstractResolver):
    """Answers from a script instead of DNS: each lookup of a name takes its next answer."""

    def __init__(self, script: dict[str, list[list[str]]]) -> None:
        self.script = script
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = self.script.get(host)
        if not answers:
            raise OSError(socket.EAI_NONAME, f"{host} is not in the script")
        self.lookups.append(host)
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


def _fetcher(**options: Any) -> Fetcher:
    options.setdefault("max_bytes", SMALL_CAP)
    options.setdefault("total_timeout", 3.0)
    if "address_policy" not in options:
        options.setdefault("allow_private", True)
    return Fetcher(**options)


async def _fetch_error(url: str, **options: Any) -> FetchError:
    accept = options.pop("accept", ContentKind.PAGE)
    async with _fetcher(**options) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url, accept=accept)
    return caught.value


# --- pages ---------------------------------------------------------------------------------------


async def test_fetches_html_page(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/article"))
    assert page.url == page.final_url == server.url("/article")
    assert (page.status, page.content_type, page.kind) == (200, "text/html", ContentKind.PAGE)
    assert (page.charset, page.charset_source) == ("utf-8", "header")
    assert page.body == ARTICLE
    assert "“We know people missed it,” said harbour master" in page.text
    assert not page.not_modified


async def test_sends_honest_user_agent(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        await fetcher.fetch(server.url("/article"))
    assert server.user_agents == [DEFAULT_USER_AGENT]
    assert DEFAULT_USER_AGENT.startswith("newsbrief/")


async def test_gzip_page_is_decompressed(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/gzip-article"))
    assert page.body == ARTICLE


async def test_international_domain_name_is_fetched(server: LocalServer) -> None:
    resolver = ScriptedResolver({"xn--e1afmkfd.xn--p1ai": [["127.0.0.1"]]})
    async with _fetcher(address_policy=LOOPBACK_ONLY, resolver=resolver) as fetcher:
        page = await fetcher.fetch(server.url("/article", host="пример.рф"))
    assert page.status == 200
    assert resolver.lookups == ["xn--e1afmkfd.xn--p1ai"]


async def test_fetcher_cannot_be_used_after_close(server: LocalServer) -> None:
    fetcher = _fetcher()
    await fetcher.fetch(server.url("/article"))
    await fetcher.close()
    await fetcher.close()
    assert fetcher.closed
    with pytest.raises(RuntimeError):
        await fetcher.fetch(server.url("/article"))


# --- charsets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "charset", "source"),
    [
        ("/charset/header-koi8r", "koi8-r", "header"),
        ("/charset/meta", "cp1251", "meta"),
        ("/charset/http-equiv", "cp1251", "meta"),
        ("/charset/header-beats-meta", "cp1251", "header"),
        ("/charset/undeclared", "cp1251", "detected"),
    ],
)
async def test_decodes_cyrillic_page_with_charset_from(
    server: LocalServer, path: str, charset: str, source: str
) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url(path))
    assert (page.charset, page.charset_source) == (charset, source)
    assert "Теперь дорога от вокзала до набережной займёт не больше десяти минут" in page.text
    assert "По словам инженеров, мост рассчитан на сто лет службы." in page.text


async def test_latin1_label_decodes_as_windows_1252(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/charset/latin1-label"))
    assert page.charset == "cp1252"
    assert "\u201cIt was a fair result,\u201d she said." in page.text


async def test_feed_charset_from_xml_declaration(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/feed/xml-declared"), accept=ContentKind.FEED)
    assert (page.charset, page.charset_source) == ("iso8859-15", "xml")
    assert "Café owners welcome longer tram hours" in page.text


# --- content kinds -------------------------------------------------------------------------------


async def test_feed_is_accepted_when_feeds_are_wanted(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/feed/rss"), accept=ContentKind.PAGE | ContentKind.FEED)
    assert (page.kind, page.content_type) == (ContentKind.FEED, "application/rss+xml")


async def test_feed_is_refused_when_only_pages_are_wanted(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/feed/rss"))
    assert error.kind == FetchErrorKind.NOT_HTML
    assert error.message == "The link points to a news feed (application/rss+xml), not a web page"


async def test_page_is_refused_when_only_feeds_are_wanted(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/article"), accept=ContentKind.FEED)
    assert error.kind == FetchErrorKind.NOT_HTML


async def test_feed_served_as_text_plain_is_sniffed(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/feed/as-text-plain"), accept=ContentKind.FEED)
    assert (page.kind, page.content_type) == (ContentKind.FEED, "text/plain")


async def test_html_served_as_octet_stream_is_sniffed(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/sniff/html-as-octet-stream"))
    assert page.kind == ContentKind.PAGE
    assert "Harbour ferry returns" in page.text


async def test_html_without_content_type_is_sniffed(raw_server: RawServer) -> None:
    url = await raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(ARTICLE), ARTICLE))
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(url)
    assert (page.kind, page.content_type) == (ContentKind.PAGE, "")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/image.png", "The link points to an image file (image/png), not a web page"),
        ("/report.pdf", "The link points to a PDF document (application/pdf), not a web page"),
    ],
)
async def test_non_html_content_is_refused(server: LocalServer, path: str, message: str) -> None:
    error = await _fetch_error(server.url(path))
    assert (error.kind, error.message) == (FetchErrorKind.NOT_HTML, message)


# --- empty, binary and oversized bodies ----------------------------------------------------------


async def test_empty_html_body_gives_empty_text(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/empty"))
    assert (page.text, page.body, page.kind) == ("", b"", ContentKind.PAGE)


async def test_random_bytes_served_as_html_still_decode(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/random-as-html"))
    assert len(page.body) == 20_000
    assert isinstance(page.text, str)
    assert page.text


async def test_random_bytes_served_as_octet_stream_are_not_html(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/random-as-octet-stream"))
    assert error.kind == FetchErrorKind.NOT_HTML


async def test_body_over_cap_is_refused_by_content_length_before_reading(raw_server: RawServer) -> None:
    # Declares 10 MB and sends 1 kB, then stalls: only refusing on the header avoids the timeout.
    url = await raw_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000000\r\n\r\n" + b" " * 1000
    )
    error = await _fetch_error(url, total_timeout=2.0)
    assert (error.kind, error.message) == (FetchErrorKind.TOO_LARGE, "The page is larger than 50 kB")


async def test_chunked_body_over_cap_is_refused(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/over-cap-chunked"))
    assert error.kind == FetchErrorKind.TOO_LARGE


async def test_default_cap_message_names_five_megabytes(raw_server: RawServer) -> None:
    url = await raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000001\r\n\r\n")
    error = await _fetch_error(url, max_bytes=5_000_000)
    assert error.message == "The page is larger than 5 MB"


async def test_gzip_bomb_is_refused_without_inflating_it(server: LocalServer) -> None:
    assert len(_gzip_bomb()) < SMALL_CAP  # the compressed size passes the Content-Length check
    async with _fetcher() as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(server.url("/gzip-bomb"))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.kind == FetchErrorKind.TOO_LARGE
    assert peak < 4_000_000, f"peak {peak} bytes: the 40 MB bomb was inflated"


async def test_corrupt_gzip_body_is_network_error(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/corrupt-gzip"))
    assert (error.kind, error.message) == (FetchErrorKind.NETWORK, "127.0.0.1 sent a damaged response")


# --- time, status, URLs, network -----------------------------------------------------------------


async def test_slow_server_times_out(server: LocalServer) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    error = await _fetch_error(server.url("/slow"), total_timeout=0.3)
    assert (error.kind, error.message) == (FetchErrorKind.TIMEOUT, "The site did not answer within 0.3 seconds")
    assert loop.time() - started < 2


async def test_body_that_stalls_times_out(raw_server: RawServer) -> None:
    url = await raw_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n<html>\r\n"
    )
    error = await _fetch_error(url, total_timeout=0.3)
    assert error.kind == FetchErrorKind.TIMEOUT


@pytest.mark.parametrize("status", [404, 500])
async def test_error_status_is_http_status(server: LocalServer, status: int) -> None:
    error = await _fetch_error(server.url(f"/status/{status}"))
    assert (error.kind, error.status) == (FetchErrorKind.HTTP_STATUS, status)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/file.html",
        "not a link at all",
        "",
        "javascript:alert(1)",
        "http://",
        "http://[::1",
        "http://exa mple.com/",
        "http://2130706433/",
        "http://127.1/",
        "http://user:secret@127.0.0.1/",
    ],
)
async def test_unusable_url_is_bad_url(url: str) -> None:
    error = await _fetch_error(url)
    assert error.kind == FetchErrorKind.BAD_URL


async def test_refused_connection_is_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    error = await _fetch_error(f"http://127.0.0.1:{closed_port}/")
    assert (error.kind, error.message) == (FetchErrorKind.NETWORK, "Could not connect to 127.0.0.1")


# --- redirects -----------------------------------------------------------------------------------


async def test_follows_five_redirects(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/redirect?hops=5"))
    assert page.url == server.url("/redirect?hops=5")
    assert page.final_url == server.url("/article")
    assert len(server.hits) == 6


async def test_refuses_a_sixth_redirect(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/redirect?hops=6"))
    assert (error.kind, error.message) == (
        FetchErrorKind.TOO_MANY_REDIRECTS,
        "The link redirects more than 5 times without reaching a page",
    )
    assert len(server.hits) == 6


async def test_redirect_loop_is_named_a_loop(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/loop/a"))
    assert (error.kind, error.message) == (
        FetchErrorKind.TOO_MANY_REDIRECTS,
        "The link redirects in a loop and never reaches a page",
    )
    assert len(server.hits) == 2


async def test_redirect_to_ftp_is_bad_url(server: LocalServer) -> None:
    error = await _fetch_error(server.url("/to?url=ftp://127.0.0.1/file"))
    assert error.kind == FetchErrorKind.BAD_URL


# --- conditional GET -----------------------------------------------------------------------------


async def test_first_fetch_returns_validators(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/conditional"), accept=ContentKind.FEED)
    assert (page.etag, page.last_modified) == ('"v1"', "Mon, 02 Mar 2026 07:30:00 GMT")


async def test_etag_match_is_not_modified(server: LocalServer) -> None:
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/conditional"), accept=ContentKind.FEED, etag='"v1"')
    assert (page.not_modified, page.status, page.body, page.etag) == (True, 304, b"", '"v1"')


async def test_last_modified_match_keeps_callers_date(server: LocalServer) -> None:
    modified = "Mon, 02 Mar 2026 07:30:00 GMT"
    async with _fetcher() as fetcher:
        page = await fetcher.fetch(server.url("/conditional"), accept=ContentKind.FEED, last_modified=modified)
    assert page.not_modified
    assert page.last_modified == modified  # the 304 omitted it; the caller's value stays valid


# --- address guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("localhost", "localhost points to "),
        ("[::1]", "::1 is a loopback address"),
        ("0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("[::ffff:127.0.0.1]", "is a loopback address"),
        ("10.0.0.1", "10.0.0.1 is a private address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
    ],
)
async def test_guard_blocks_non_public_host(
    server: LocalServer, tripwire: list[object], host: str, message: str
) -> None:
    async with Fetcher(total_timeout=3.0) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(server.url("/article", host=host))
    assert caught.value.kind == FetchErrorKind.BLOCKED_ADDRESS
    assert message in caught.value.message
    assert server.hits == []
    assert tripwire == []


async def test_allow_private_lets_loopback_through(server: LocalServer) -> None:
    async with Fetcher(allow_private=True, total_timeout=3.0) as fetcher:
        page = await fetcher.fetch(server.url("/article"))
    assert page.status == 200


async def test_hostname_resolving_to_private_address_is_blocked_before_connecting(
    tripwire: list[object],
) -> None:
    resolver = ScriptedResolver({"intranet.test": [["10.0.0.1"]]})
    error = await _fetch_error("http://intranet.test/", address_policy=AddressPolicy(), resolver=resolver)
    assert (error.kind, error.message) == (
        FetchErrorKind.BLOCKED_ADDRESS,
        "intranet.test points to 10.0.0.1, which is a private address",
    )
    assert resolver.lookups == ["intranet.test"]
    assert tripwire == []


async def test_resolver_answer_that_is_a_name_is_refused(tripwire: list[object]) -> None:
    # connect() would resolve a name again, unchecked: only numeric answers may pass.
    resolver = ScriptedResolver({"sneaky.test": [["intranet.example"]]})
    error = await _fetch_error("http://sneaky.test/", address_policy=LOOPBACK_ONLY, resolver=resolver)
    assert (error.kind, error.message) == (
        FetchErrorKind.BLOCKED_ADDRESS,
        "sneaky.test points to intranet.example, which is not a numeric address",
    )
    assert tripwire == []


async def test_blocked_answers_are_skipped_for_an_allowed_one(server: LocalServer, tripwire: list[object]) -> None:
    resolver = ScriptedResolver({"mixed.test": [["10.0.0.1", "127.0.0.1"]]})
    async with _fetcher(address_policy=LOOPBACK_ONLY, resolver=resolver) as fetcher:
        page = await fetcher.fetch(server.url("/article", host="mixed.test"))
    assert page.status == 200
    assert tripwire == []


async def test_redirect_to_metadata_address_is_blocked(server: LocalServer, tripwire: list[object]) -> None:
    url = server.url("/to?url=http://169.254.169.254/latest/meta-data/")
    error = await _fetch_error(url, address_policy=LOOPBACK_ONLY)
    assert (error.kind, error.message) == (
        FetchErrorKind.BLOCKED_ADDRESS,
        "169.254.169.254 is a link-local address",
    )
    assert server.hits == ["/to"]
    assert tripwire == []


async def test_redirect_to_hostname_resolving_private_is_blocked(server: LocalServer, tripwire: list[object]) -> None:
    resolver = ScriptedResolver({"intranet.test": [["10.0.0.1"]]})
    url = server.url("/to?url=http://intranet.test/admin")
    error = await _fetch_error(url, address_policy=LOOPBACK_ONLY, resolver=resolver)
    assert error.kind == FetchErrorKind.BLOCKED_ADDRESS
    assert resolver.lookups == ["intranet.test"]
    assert tripwire == []


async def test_dns_rebinding_to_private_address_is_blocked(server: LocalServer, tripwire: list[object]) -> None:
    # First answer passes the guard; the redirect forces a new connection, whose answer is private.
    resolver = ScriptedResolver({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    second_hop = server.url("/article", host="rebind.test")
    url = server.url(f"/to?close=1&url={second_hop}", host="rebind.test")
    error = await _fetch_error(url, address_policy=LOOPBACK_ONLY, resolver=resolver)
    assert (error.kind, error.message) == (
        FetchErrorKind.BLOCKED_ADDRESS,
        "rebind.test points to 10.0.0.1, which is a private address",
    )
    assert resolver.lookups == ["rebind.test", "rebind.test"]
    assert server.hits == ["/to"]
    assert tripwire == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "192.0.0.8",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1%eth0",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
        "64:ff9b::a00:1",
        "localhost",
        "127.1",
    ],
)
def test_policy_refuses_non_public_address(address: str) -> None:
    assert not AddressPolicy().is_allowed(address)


@pytest.mark.parametrize("address", ["fec0::1", "fec0:1:2::3", "feff:ffff::1"])
def test_policy_refuses_deprecated_site_local_address(address: str) -> None:
    assert AddressPolicy().refusal(address) == "site-local"


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "64:ff9b::5db8:d70e", "64:ff9b::1.1.1.1"])
def test_policy_allows_nat64_address_of_a_public_ipv4(address: str) -> None:
    assert AddressPolicy().is_allowed(address)


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("64:ff9b::127.0.0.1", "loopback"),
        ("64:ff9b::10.1.2.3", "private"),
        ("64:ff9b::169.254.169.254", "link-local"),
        ("64:ff9b::0.0.0.0", "unspecified"),
        ("64:ff9b::100.64.0.1", "non-public"),
        ("64:ff9b::224.0.0.1", "multicast"),
    ],
)
def test_policy_refuses_nat64_address_of_a_non_public_ipv4(address: str, label: str) -> None:
    assert AddressPolicy().refusal(address) == label


def test_policy_refuses_local_use_nat64_prefix() -> None:
    assert not AddressPolicy().is_allowed("64:ff9b:1::808:808")


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_policy_allows_public_address(address: str) -> None:
    assert AddressPolicy().is_allowed(address)
