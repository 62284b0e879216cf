"""Finding and normalizing links: what counts as the same page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src", "cmpid"}
)
"""Query parameters that say how a reader arrived, not which page they read."""
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "itm_")

_URL_IN_TEXT = re.compile(r"<?(https?://[^\s<>\"'`|]+)>?", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}*_~'\"”’»"


def is_http_url(text: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def image_url(candidate: object, *, base: str | None) -> str | None:
    """A picture's address as a page or feed names it, made absolute against `base`; None unless it is
    http(s) (a data: or file: picture is not something a reader's client should be sent to)."""
    if not isinstance(candidate, str) or not candidate.strip():
        return None
    try:
        url = urljoin(base, candidate.strip()) if base else candidate.strip()
    except ValueError:
        return None
    return url if is_http_url(url) else None


def _strip_trailing(url: str) -> str:
    """Drop punctuation that ends the sentence around a link, keeping balanced brackets."""
    while url and url[-1] in _TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def find_urls(text: str, *, limit: int | None = None) -> list[str]:
    """The distinct http(s) links in a message, in order of appearance."""
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(text):
        url = _strip_trailing(match.group(1))
        if is_http_url(url) and url not in found:
            found.append(url)
            if limit is not None and len(found) >= limit:
                break
    return found


SITE_PREFIXES = ("www.", "m.", "amp.", "mobile.")
"""Host labels that name a variant of a site, not the site: www.theverge.com is theverge.com."""


def site_host(url: str) -> str | None:
    """The site a link belongs to, by its host without www. and the like: "theverge.com"."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return None
    for prefix in SITE_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
            break
    return host or None


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """The form of a URL that identifies its page: lower-case scheme and host, no default port,
    no fragment, no tracking parameters, the remaining query kept in order."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_parameter(k)]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


@dataclass(frozen=True, slots=True)
class RedirectWrapper:
    """Where a known redirector keeps the URL it sends readers on to."""

    path: str | None
    """The redirecting path ("/url"), or None when every path of the host redirects."""
    parameters: tuple[str, ...]
    """The query parameters that may carry the target, in order of preference."""


REDIRECT_WRAPPERS: dict[str, RedirectWrapper] = {
    # Google Alerts, Gmail and search results: /url?...&url=<target> (or q=<target>).
    "google.com": RedirectWrapper("/url", ("url", "q")),
    # Bing News feeds: /news/apiclick.aspx?...&url=<target>.
    "bing.com": RedirectWrapper("/news/apiclick.aspx", ("url",)),
    # Outbound links from Facebook, Messenger, YouTube, Reddit, Slack, Tumblr, DuckDuckGo.
    "l.facebook.com": RedirectWrapper("/l.php", ("u",)),
    "lm.facebook.com": RedirectWrapper("/l.php", ("u",)),
    "l.messenger.com": RedirectWrapper("/l.php", ("u",)),
    "youtube.com": RedirectWrapper("/redirect", ("q",)),
    "out.reddit.com": RedirectWrapper(None, ("url",)),
    "slack-redir.net": RedirectWrapper("/link", ("url",)),
    "t.umblr.com": RedirectWrapper("/redirect", ("z",)),
    "duckduckgo.com": RedirectWrapper("/l/", ("uddg",)),
    # Outlook's Safe Links, which rewrites every link of a mail-to-feed bridge.
    "safelinks.protection.outlook.com": RedirectWrapper(None, ("url",)),
    # Skimlinks, an affiliate redirector that publishers' feeds route links through.
    "go.redirectingat.com": RedirectWrapper(None, ("url",)),
}
"""Hosts (with their subdomains: www.google.com, eur01.safelinks.protection.outlook.com) whose links
only redirect to another URL carried in a query parameter. FeedBurner's feedproxy links carry no
target: their feeds name the original in <feedburner:origLink>, which the feed reader prefers."""

MAX_UNWRAPS = 3
"""Wrappers met inside one another (a Safe Link around a Google Alerts link); more is not a real link."""


def _wrapper(host: str) -> RedirectWrapper | None:
    """The wrapper `host` is, matching the listed domains and their subdomains only."""
    labels = host.lower().rstrip(".").split(".")
    for start in range(len(labels) - 1):
        wrapper = REDIRECT_WRAPPERS.get(".".join(labels[start:]))
        if wrapper is not None:
            return wrapper
    return None


def unwrap_redirect(url: str) -> str:
    """The article's own URL when `url` is a known redirect wrapper (Google Alerts' google.com/url,
    Bing News, Facebook's l.php...) pointing to an http(s) address; otherwise `url` unchanged.

    Only the wrappers in REDIRECT_WRAPPERS are opened, on their redirecting path, and only to http(s)
    targets, so a link cannot be turned into a javascript: or file: address, nor an ordinary page's
    ?url= parameter mistaken for its address.
    """
    current = url
    for _ in range(MAX_UNWRAPS):
        try:
            parts = urlsplit(current.strip())
        except ValueError:
            return current
        wrapper = _wrapper(parts.hostname or "") if parts.scheme.lower() in {"http", "https"} else None
        if wrapper is None or (wrapper.path is not None and parts.path != wrapper.path):
            return current
        values = dict(parse_qsl(parts.query, keep_blank_values=True))
        target = next((values[name].strip() for name in wrapper.parameters if is_http_url(values.get(name, ""))), None)
        if target is None:
            return current
        current = target
    return current
