"""Which webhook destinations the server may POST to (server-side request forgery guard).

A webhook URL is chosen by any user, and the outcome of each delivery is readable in the
events feed, so without a guard the server becomes a port scanner of its own network.
A destination must be public: the check runs when the URL is saved (on the literal host,
including legacy numeric forms such as `127.1`, `2130706433` or `0x7f000001`, and on what
the name resolves to) and again at send time on every address the name resolves to, and
the connection is then made to the address that was checked (see `webhook.PinnedTransport`),
so a name that re-resolves in between (DNS rebinding) gains nothing.

`STOCKAPP_WEBHOOK_ALLOW_PRIVATE=true` lets self-hosters deliver to their own network.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from stockapp.db.names import has_forbidden_characters

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REFUSED_STATUS = "refused: destination not allowed"
ALLOWED_SCHEMES = ("http", "https")
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
# what a legacy IPv4 parser (inet_aton, browsers' WHATWG parser) may read as a number
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
# 100.64.0.0/10 (carrier-grade NAT) is not "private" to ipaddress, but is not public either
_EXTRA_BLOCKED = (
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)


class DestinationRefused(ValueError):
    """The URL may not be used as a webhook; the message is safe to show the user."""


def is_public_address(ip: IPAddress) -> bool:
    """Whether `ip` is a globally routable unicast address (embedded IPv4 checked too)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
        if ip.ipv4_mapped is not None:
            return True
    if any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version):
        return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def literal_address(host: str) -> IPAddress | None:
    """The address a host string stands for when it is an IP literal in any notation
    (dotted quad, IPv6, or the short/decimal/hex/octal forms inet_aton accepts); None for
    a name. A numeric-looking host that is not a valid address raises DestinationRefused."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    labels = host.split(".")
    if labels and _NUMERIC_LABEL.match(labels[-1]):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError as exc:
            raise DestinationRefused("webhook_url host is not a valid address") from exc
    return None


def check_url(url: str, *, allow_private: bool) -> str:
    """The normalised URL when it is an acceptable webhook destination by its text alone
    (scheme, no credentials, host not a private literal or a local name)."""
    url = url.strip()
    if any(ch.isspace() for ch in url) or has_forbidden_characters(url):
        raise DestinationRefused("webhook_url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused("webhook_url is not a valid URL") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        raise DestinationRefused("webhook_url must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise DestinationRefused("webhook_url must not contain a user name or password")
    if port == 0:
        raise DestinationRefused("webhook_url has an invalid port")
    if allow_private:
        return url
    host = parts.hostname.rstrip(".").lower()
    address = literal_address(host)
    if address is not None:
        if not is_public_address(address):
            raise DestinationRefused(_refusal())
    elif "." not in host or host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
        raise DestinationRefused(_refusal())
    return url


def check_addresses(addresses: list[str], *, allow_private: bool) -> list[IPAddress]:
    """Every resolved address must be public (unless private targets are allowed)."""
    parsed = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    if not parsed:
        raise DestinationRefused("webhook host did not resolve")
    if not allow_private and not all(is_public_address(ip) for ip in parsed):
        raise DestinationRefused(_refusal())
    return parsed


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (blocking; run it in a thread)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refusal() -> str:
    return (
        "webhook_url must point to a public internet address; loopback, private, "
        "link-local and other internal destinations are not allowed"
    )
