"""Finding and normalizing links: what counts as the same page."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
