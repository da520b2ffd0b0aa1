"""Credentials inside base URLs never leave the request.

`http://alice:SECRET@host/v1` and `https://host/v1?api-key=SECRET` are valid ways to give a
server its credentials, and evalkit keeps sending them. Everything it writes or prints (store,
results.json, HTML, stderr, the `models` table) shows the URL with the user name and password and
every secret-looking query value replaced by `***`, and the cache key is built from that shown
form, so it never needs the secret in clear (and rotating a key keeps the cache).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

MASK = "***"
# query parameter names that carry a credential (matched as a whole word inside the name, so
# `api-key`, `x_api_key`, `access_token`, `sig` and `Signature` count, `keyboard` does not)
_SECRET_NAMES = re.compile(
    r"(^|[^a-z])(api[-_]?key|key|keys|token|access[-_]?token|auth|authorization|secret|client[-_]?secret"
    r"|password|passwd|pwd|pass|sig|signature|credential|credentials|session)($|[^a-z])",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAMES.search(name))


def redact_url(url: str | None) -> str | None:
    """`url` with its userinfo and secret query values masked; unchanged (same string) when it has none."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rpartition("@")[2]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(is_secret_name(k) for k, _ in pairs):
                query = urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")
        if netloc == parts.netloc and query == parts.query:
            return url
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "(a URL that could not be parsed, hidden)"


def secrets_of(url: str | None) -> list[str]:
    """The credential strings inside `url` (as written and decoded), to scrub from messages."""
    if not url:
        return []
    found: list[str] = []
    try:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            userinfo = parts.netloc.rpartition("@")[0]
            found += [userinfo, *userinfo.split(":", 1)]
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            if is_secret_name(k) and v:
                found += [v, quote(v, safe="")]
    except ValueError:
        return [url]
    found += [unquote(s) for s in found]
    # longest first, so a password is not half-replaced by a shorter piece of it
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def scrub(text: str, urls) -> str:
    """`text` with every URL of `urls` shown redacted and any credential they hold masked."""
    for url in urls:
        if not url:
            continue
        shown = redact_url(url)
        if shown != url:
            text = text.replace(url, shown)
        for secret in secrets_of(url):
            text = text.replace(secret, MASK)
    return text
