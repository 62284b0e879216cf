"""Fetch news pages and feeds over HTTP: the only network code in the core.

Every limit a hostile or broken server could abuse is enforced here: time, size (after
decompression), redirects, content type, and which addresses we connect to. The address guard runs
on the socket aiohttp is about to connect, so neither a redirect nor a second DNS answer can steer a
request to a private network.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import ipaddress
import logging
import re
import socket
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.news.decode import CharsetSource, ascii_compatible, decode_document
from bot.news.errors import N_, FetchError, FetchErrorKind, Phrase
from bot.news.jsonfeed import looks_like_json_feed

LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5_000_000
"""Large news pages run to 1-2 MB of HTML; 5 MB leaves room for them and stops runaway bodies."""

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to open a TCP connection: a server silent for this long is down or dropping us."""

DEFAULT_TOTAL_TIMEOUT = 20.0
"""Seconds for the whole fetch, redirects and body included; a user waits for the answer."""

DEFAULT_MAX_REDIRECTS = 5
"""Real pages redirect two or three times (http->https, tracking link, canonical path); more is a loop."""

DEFAULT_PER_HOST_LIMIT = 4
"""Browsers open six connections per host; a bot reading news should be a lighter guest."""

CONNECTION_LIMIT = 64
"""Open connections across all hosts, so a burst of digests cannot exhaust file descriptors."""

DEFAULT_USER_AGENT = "newsbrief/0.1 (+https://github.com/newsbrief/newsbrief)"
"""An honest name with a link, so site owners can see who reads them and how to reach us."""

MAX_URL_CHARS = 8000
"""RFC 9110 asks servers to accept at least 8000 octets; a longer link is not a news page."""

READ_CHUNK_BYTES = 64 * 1024
"""Body read size: small enough that we stop within 64 kB of the cap, large enough to be cheap."""

SNIFF_BYTES = 1445
"""How much of a body the WHATWG MIME Sniffing standard reads to decide what it is."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"})
_SNIFFED_TYPES = frozenset(
    {"", "text/plain", "application/octet-stream", "application/xml", "text/xml", "application/json", "text/json"}
)
"""Types that say little about the body (or nothing), so we look at the body itself."""

_HTML_OPENINGS = (
    # WHATWG MIME Sniffing, "rules for identifying an unknown MIME type": each followed by space or '>'.
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
_TAG_END = frozenset((b" ", b"\t", b"\n", b"\r", b"\f", b">"))
_XML_ROOT = re.compile(rb"<(rss|feed|rdf:rdf|html)[\s>/]")
_HOSTNAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class ContentKind(enum.Flag):
    """What a caller will accept; combine with `|`."""

    PAGE = enum.auto()
    FEED = enum.auto()


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched page or feed: where it ended up, what it is, and its text."""

    url: str
    """The URL as requested."""
    final_url: str
    """The URL after redirects: resolve relative links against this one."""
    status: int
    content_type: str
    """The media type the server declared, lower case without parameters; "" when it sent none."""
    kind: ContentKind | None
    """PAGE or FEED; None only when `not_modified`."""
    charset: str
    """The Python codec the text was decoded with, e.g. 'utf-8' or 'cp1251'; "" when `not_modified`."""
    charset_source: CharsetSource
    """Where `charset` came from: byte-order mark, header, XML declaration, meta tag, or detection."""
    text: str = field(repr=False)
    body: bytes = field(repr=False)
    """The body after content decoding (gzip etc.), before charset decoding."""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    """The server answered 304 to a conditional GET: the caller's copy is current, `body` is empty."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which IP addresses the fetcher may connect to.

    By default only public unicast addresses: a user's link must not reach the bot's own host,
    its private network or a cloud metadata service.
    """

    allow_private: bool = False
    """Lift the guard entirely (tests, or a bot that is meant to read an intranet)."""
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    """Networks allowed even though they are not public, e.g. exactly 127.0.0.1/32."""

    def refusal(self, address: str) -> str | None:
        """Why `address` (a numeric IP, as handed to connect()) is refused, or None when it is allowed."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            # Anything but a numeric address would be resolved again inside connect(), unchecked.
            return NOT_NUMERIC
        if self.allow_private or any(ip in network for network in self.allowed_networks):
            return None
        for candidate in _addresses_to_judge(ip):
            label = _non_public_label(candidate)
            if label:
                return label
        return None

    def is_allowed(self, address: str) -> bool:
        return self.refusal(address) is None


NOT_NUMERIC = "not numeric"
"""The refusal for a host name where an IP address was expected."""

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NOT_PUBLIC_EXTRA = (
    # IETF protocol assignments; Python before 3.11.10/3.12.4 calls most of it global.
    ipaddress.ip_network("192.0.0.0/24"),
)


def _addresses_to_judge(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The address itself and any IPv4 address it carries (6to4, Teredo), which may be where it lands.

    An IPv4-mapped address (::ffff:a.b.c.d) is exactly its IPv4 address on the wire, and a NAT64
    address (64:ff9b::a.b.c.d, RFC 6052) reaches exactly its IPv4 address through the translator, so
    only that counts: ipaddress calls the whole of 64:ff9b::/96 reserved (it lies in ::/8), which
    would refuse every site on an IPv6-only network.
    """
    if isinstance(ip, ipaddress.IPv4Address):
        return [ip]
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    embedded = [ip.sixtofour, *(ip.teredo or ())]
    return [ip, *(address for address in embedded if address is not None)]


def _non_public_label(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    # Order matters: 127.0.0.1 is also "private" and 169.254.x.x also "private" to ipaddress.
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        # fec0::/10, deprecated by RFC 3879 but still routed inside some networks; ipaddress calls it global.
        return "site-local"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global or any(ip in network for network in _NOT_PUBLIC_EXTRA):
        return "non-public"
    return None


class _BlockedAddress(OSError):
    """Raised inside aiohttp's connect path; turned into FetchError(BLOCKED_ADDRESS) by `fetch`."""


_REFUSED: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar(
    "newsbrief_fetch_refused", default=None
)
"""Where the socket factory, deep inside aiohttp, reports refusals to the fetch that caused them."""


@dataclass(slots=True)
class _Chain:
    """One fetch in progress: what was asked for, and the hops so far."""

    requested: str
    accept: ContentKind
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    visited: list[URL] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """The guard's refusals, as (address, label), while connecting for the current hop."""


def _network_error(error: BaseException, chain: _Chain) -> FetchError:
    """Name an aiohttp or socket failure in words a user understands."""
    host = chain.visited[-1].host or ""
    if chain.refused and isinstance(error, aiohttp.ClientConnectorError):
        return _blocked_error(host, chain.refused[0])
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return FetchError(FetchErrorKind.NETWORK, N_("Could not find the server {host}"), host=host)
    if isinstance(error, aiohttp.ClientConnectorError):
        return FetchError(FetchErrorKind.NETWORK, N_("Could not connect to {host}"), host=host)
    if isinstance(error, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return FetchError(FetchErrorKind.NETWORK, N_("{host} sent a damaged response"), host=host)
    return FetchError(FetchErrorKind.NETWORK, N_("The connection to {host} failed"), host=host)


class Fetcher:
    """Fetches pages and feeds through one pooled HTTP session that it owns.

    The fetcher always builds its own session: the address guard lives in the session's connector,
    so a session handed in from outside could silently bypass it.

    Use `async with Fetcher(...) as fetcher`, or call `await fetcher.close()` when done.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        address_policy: AddressPolicy | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        user_agent: str = DEFAULT_USER_AGENT,
        resolver: AbstractResolver | None = None,
        per_host_limit: int = DEFAULT_PER_HOST_LIMIT,
    ) -> None:
        """
        Args:
            allow_private: allow loopback and private addresses (shorthand for a permissive policy).
            address_policy: which addresses may be connected to; not together with `allow_private`.
            max_bytes: largest body read, counted after decompression.
            connect_timeout: seconds allowed for each TCP connection attempt.
            total_timeout: seconds allowed for the whole fetch, redirects and body included.
            max_redirects: redirects followed before giving up.
            user_agent: the User-Agent header.
            resolver: the DNS resolver (tests inject one); aiohttp's default when None.
            per_host_limit: simultaneous connections to one host.
        """
        if address_policy is not None and allow_private:
            raise ValueError("pass allow_private or address_policy, not both")
        if max_bytes <= 0 or connect_timeout <= 0 or total_timeout <= 0:
            raise ValueError("max_bytes and timeouts must be positive")
        if max_redirects < 0 or per_host_limit <= 0:
            raise ValueError("max_redirects must be >= 0 and per_host_limit > 0")
        self.policy = address_policy or AddressPolicy(allow_private=allow_private)
        self.max_bytes = max_bytes
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._resolver = resolver
        self._per_host_limit = per_host_limit
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def __aenter__(self) -> Self:
        self._open_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Close the session and its connections; safe to call twice."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        """Create the session on first use: aiohttp wants it created inside the running loop."""
        if self._closed:
            raise RuntimeError("this Fetcher is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=CONNECTION_LIMIT,
                limit_per_host=self._per_host_limit,
                resolver=self._resolver,
                # Every new connection asks the resolver afresh; the guard judges each answer anyway,
                # and pooled keep-alive connections make lookups rare enough not to need a cache.
                use_dns_cache=False,
                socket_factory=self._open_socket,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.user_agent},
                # Cookies from one user's link must not follow another user's fetch.
                cookie_jar=aiohttp.DummyCookieJar(),
                # No proxies from the environment: the guard must see the real destination.
                trust_env=False,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout),
            )
        return self._session

    def _open_socket(self, addr_info: aiohttp.AddrInfoType) -> socket.socket:
        """aiohttp's socket factory: the last point before connect(), where the address is final."""
        family, type_, proto, _canonname, sockaddr = addr_info
        address = str(sockaddr[0])
        label = self.policy.refusal(address)
        if label is not None:
            refused = _REFUSED.get()
            if refused is not None:
                refused.append((address, label))
            LOGGER.info("Refused to connect to %s (%s)", address, label)
            raise _BlockedAddress(f"{address} is {_address_phrase(label)}")
        return socket.socket(family, type_, proto)

    def refusal(self, url: str) -> FetchError | None:
        """Why `url` would be refused before any connection, or None: not an http(s) link, a malformed
        host, a user name in it, or an IP address the policy refuses. A host name is judged when it
        resolves, at connect time, as every fetch's is."""
        try:
            target = _parse_url(url)
        except FetchError as error:
            return error
        host = target.raw_host or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return None
        label = self.policy.refusal(host)
        return (
            None
            if label is None
            else FetchError(
                FetchErrorKind.BLOCKED_ADDRESS, N_("{address} is {what}"), address=host, what=_address_phrase(label)
            )
        )

    async def fetch(
        self,
        url: str,
        *,
        accept: ContentKind = ContentKind.PAGE,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchedPage:
        """Fetch `url`, following redirects, and decode its text.

        Args:
            url: an http or https URL.
            accept: the kinds of document wanted; anything else is refused as NOT_HTML.
            etag: the ETag from an earlier fetch, sent as If-None-Match.
            last_modified: the Last-Modified from an earlier fetch, sent as If-Modified-Since.

        Returns:
            The page; `not_modified=True` (and no body) when the server answered 304.

        Raises:
            FetchError: with kind timeout, too_large, not_html, blocked_address, http_status,
                too_many_redirects, bad_url or network.
        """
        target = _parse_url(url)
        session = self._open_session()
        headers = {"Accept": _accept_header(accept)}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        chain = _Chain(requested=url, accept=accept, headers=headers, etag=etag, last_modified=last_modified)
        chain.visited.append(target)
        token = _REFUSED.set(chain.refused)
        try:
            async with asyncio.timeout(self.total_timeout):
                page = await self._follow(session, chain)
        except TimeoutError:
            raise FetchError(
                FetchErrorKind.TIMEOUT,
                N_("The site did not answer within {seconds} seconds"),
                seconds=f"{self.total_timeout:g}",
            ) from None
        except aiohttp.InvalidURL as error:
            raise FetchError(
                FetchErrorKind.BAD_URL, N_("{link} is not a valid link"), link=str(chain.visited[-1])
            ) from error
        except (aiohttp.ClientError, OSError) as error:
            raise _network_error(error, chain) from error
        finally:
            _REFUSED.reset(token)
        LOGGER.debug("Fetched %s -> %s (%s, %d bytes)", url, page.final_url, page.status, len(page.body))
        return page

    async def _follow(self, session: aiohttp.ClientSession, chain: _Chain) -> FetchedPage:
        """Request `chain.visited[-1]`, following redirects by hand so every hop's URL is checked."""
        while True:
            current = chain.visited[-1]
            chain.refused.clear()  # refusals name the error only for the hop that failed
            async with session.get(current, headers=chain.headers, allow_redirects=False) as response:
                status = response.status
                if status in REDIRECT_STATUSES and "Location" in response.headers:
                    target = _redirect_target(current, response.headers["Location"])
                    if target in chain.visited:
                        raise FetchError(
                            FetchErrorKind.TOO_MANY_REDIRECTS,
                            N_("The link redirects in a loop and never reaches a page"),
                        )
                    if len(chain.visited) > self.max_redirects:
                        raise FetchError(
                            FetchErrorKind.TOO_MANY_REDIRECTS,
                            N_("The link redirects more than {count} times without reaching a page"),
                            count=self.max_redirects,
                        )
                    chain.visited.append(target)
                    continue
                if status == 304:
                    return FetchedPage(
                        url=chain.requested,
                        final_url=str(response.url),
                        status=status,
                        content_type="",
                        kind=None,
                        charset="",
                        charset_source="",
                        text="",
                        body=b"",
                        # A 304 may omit the validators; the caller's stay valid.
                        etag=response.headers.get("ETag", chain.etag),
                        last_modified=response.headers.get("Last-Modified", chain.last_modified),
                        not_modified=True,
                    )
                if not 200 <= status < 300:
                    raise FetchError(FetchErrorKind.HTTP_STATUS, _status_template(status), status=status)
                return await self._read_page(response, chain)

    async def _read_page(self, response: aiohttp.ClientResponse, chain: _Chain) -> FetchedPage:
        """Check what a 2xx response holds, read it within the cap and decode it."""
        has_type = "Content-Type" in response.headers
        media_type = response.content_type if has_type else ""
        declared = _declared_kind(media_type)
        wanted = _accepts(chain.accept, declared)
        if not wanted and media_type not in _SNIFFED_TYPES | _PAGE_TYPES:
            # Refuse before reading: an image or a PDF is no use whatever its body.
            raise _not_wanted_error(media_type, chain.accept)
        body = await self._read_body(response, chain.accept)
        kind = declared if wanted else _sniff(body)
        if kind is None or not _accepts(chain.accept, kind):
            raise _not_wanted_error(media_type, chain.accept)
        decoded = await asyncio.to_thread(
            decode_document,
            body,
            declared_charset=response.charset,
            markup="xml" if kind is ContentKind.FEED else "html",
        )
        return FetchedPage(
            url=chain.requested,
            final_url=str(response.url),
            status=response.status,
            content_type=media_type,
            kind=kind,
            charset=decoded.codec,
            charset_source=decoded.source,
            text=decoded.text,
            body=body,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    async def _read_body(self, response: aiohttp.ClientResponse, accept: ContentKind) -> bytes:
        """Read the (decompressed) body in chunks, stopping as soon as it passes `max_bytes`."""
        too_large = FetchError(
            FetchErrorKind.TOO_LARGE,
            N_("The page is larger than {size}")
            if ContentKind.PAGE in accept
            else N_("The feed is larger than {size}"),
            size=_human_size(self.max_bytes),
        )
        declared_length = response.headers.get("Content-Length", "")
        if declared_length.isdigit() and int(declared_length) > self.max_bytes:
            raise too_large
        body = bytearray()
        async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
            body += chunk
            if len(body) > self.max_bytes:
                raise too_large
        return bytes(body)


def _parse_url(raw: str) -> URL:
    """Check that `raw` is an http(s) URL with a plausible host, or raise FetchError(BAD_URL)."""
    text = raw.strip()
    if not text:
        raise FetchError(FetchErrorKind.BAD_URL, N_("The link is empty"))
    if len(text) > MAX_URL_CHARS:
        raise FetchError(FetchErrorKind.BAD_URL, N_("The link is too long"))
    shown = text if len(text) <= 80 else text[:77] + "..."
    try:
        url = URL(text)
        port = url.port
    except (ValueError, TypeError):
        raise FetchError(FetchErrorKind.BAD_URL, N_("{link} is not a valid link"), link=shown) from None
    if url.scheme not in ("http", "https"):
        raise FetchError(FetchErrorKind.BAD_URL, N_("Only http and https links can be fetched, not {link}"), link=shown)
    host = url.raw_host or ""
    if not host or port is None or not _plausible_host(host):
        raise FetchError(FetchErrorKind.BAD_URL, N_("{link} is not a valid link"), link=shown)
    if url.raw_user is not None or url.raw_password is not None:
        raise FetchError(FetchErrorKind.BAD_URL, N_("Links with a user name or password are not fetched"))
    return url.with_fragment(None)


def _plausible_host(host: str) -> bool:
    """An IP literal or a DNS name; refuse forms like 2130706433 or 127.1 that resolve surprisingly."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    host = host.lower()
    last_label = host.rstrip(".").rsplit(".", 1)[-1]
    return bool(_HOSTNAME.match(host)) and not _NUMERIC_LABEL.match(last_label)


def _redirect_target(current: URL, location: str) -> URL:
    try:
        target = current.join(URL(location))
    except (ValueError, TypeError):
        raise FetchError(FetchErrorKind.BAD_URL, N_("The page redirects to an invalid link")) from None
    return _parse_url(str(target))


def _accept_header(accept: ContentKind) -> str:
    kinds = []
    if ContentKind.PAGE in accept:
        kinds.append("text/html, application/xhtml+xml")
    if ContentKind.FEED in accept:
        kinds.append(
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
            "text/xml;q=0.9, application/json;q=0.8"
        )
    kinds.append("*/*;q=0.1")
    return ", ".join(kinds)


def _accepts(accept: ContentKind, kind: ContentKind | None) -> bool:
    return kind is not None and kind in accept


def _declared_kind(media_type: str) -> ContentKind | None:
    if media_type in _PAGE_TYPES:
        return ContentKind.PAGE
    if media_type in _FEED_TYPES:
        return ContentKind.FEED
    return None


def _sniff(body: bytes) -> ContentKind | None:
    """Tell HTML from a feed by the body's first bytes (a JSON Feed by its version), when the
    Content-Type does not say."""
    if looks_like_json_feed(body):
        return ContentKind.FEED
    head = ascii_compatible(body[:SNIFF_BYTES]).lstrip(b"\xef\xbb\xbf \t\n\r\f").lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")):
        root = _XML_ROOT.search(head)
        if root is None:
            return None
        return ContentKind.PAGE if root.group(1) == b"html" else ContentKind.FEED
    for opening in _HTML_OPENINGS:
        if head.startswith(opening) and head[len(opening) : len(opening) + 1] in _TAG_END:
            return ContentKind.PAGE
    return None


def _blocked_error(host: str, refusal: tuple[str, str]) -> FetchError:
    address, label = refusal
    try:
        literal = ipaddress.ip_address(host) == ipaddress.ip_address(address)
    except ValueError:
        literal = False
    if literal:
        return FetchError(
            FetchErrorKind.BLOCKED_ADDRESS, N_("{address} is {what}"), address=address, what=_address_phrase(label)
        )
    return FetchError(
        FetchErrorKind.BLOCKED_ADDRESS,
        N_("{host} points to {address}, which is {what}"),
        host=host,
        address=address,
        what=_address_phrase(label),
    )


_ADDRESS_PHRASES = {
    "unspecified": Phrase(N_("an unspecified address")),
    "loopback": Phrase(N_("a loopback address")),
    "link-local": Phrase(N_("a link-local address")),
    "multicast": Phrase(N_("a multicast address")),
    "private": Phrase(N_("a private address")),
    "site-local": Phrase(N_("a site-local address")),
    "reserved": Phrase(N_("a reserved address")),
    "non-public": Phrase(N_("a non-public address")),
    NOT_NUMERIC: Phrase(N_("not a numeric address")),
}
"""The guard's labels (`_non_public_label`) in words, each a whole phrase so it translates."""


def _address_phrase(label: str) -> Phrase:
    """'a private address', 'an unspecified address', 'not a numeric address'."""
    return _ADDRESS_PHRASES[label]


def _status_template(status: int) -> str:
    if status == 404 or status == 410:
        return N_("The page was not found (HTTP {status})")
    if status in (401, 403):
        return N_("The site refused access to the page (HTTP {status})")
    if status == 429:
        return N_("The site is limiting how often we may read it (HTTP {status})")
    if status >= 500:
        return N_("The site had an error (HTTP {status})")
    return N_("The site answered HTTP {status}")


def _not_wanted_error(media_type: str, accept: ContentKind) -> FetchError:
    if ContentKind.PAGE in accept and ContentKind.FEED in accept:
        wanted = Phrase(N_("a web page or a news feed"))
    elif ContentKind.PAGE in accept:
        wanted = Phrase(N_("a web page"))
    else:
        wanted = Phrase(N_("a news feed"))
    major = media_type.partition("/")[0]
    if media_type == "application/pdf":
        what = Phrase(N_("a PDF document"))
    elif major == "image":
        what = Phrase(N_("an image file"))
    elif major == "video":
        what = Phrase(N_("a video file"))
    elif major == "audio":
        what = Phrase(N_("an audio file"))
    elif media_type in _PAGE_TYPES:
        what = Phrase(N_("a web page"))
    elif media_type in _FEED_TYPES:
        what = Phrase(N_("a news feed"))
    else:
        what = Phrase(N_("something else"))
    if media_type:
        template = N_("The link points to {what} ({media_type}), not {wanted}")
        return FetchError(FetchErrorKind.NOT_HTML, template, what=what, media_type=media_type, wanted=wanted)
    return FetchError(FetchErrorKind.NOT_HTML, N_("The link points to {what}, not {wanted}"), what=what, wanted=wanted)


def _human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    if size >= 1000:
        return f"{size / 1000:g} kB"
    return f"{size} bytes"
