"""The client's address, for the audit log and the lockout.

Behind the reverse proxy README describes, REMOTE_ADDR is the proxy's. X-Forwarded-For is read
only when the connection comes from an address listed in settings.TRUSTED_PROXIES (addresses or
networks), and then from the right: the first address that is not itself a trusted proxy is the
client. A header sent by anyone else is ignored, so a client cannot choose the address it is
logged and locked out under."""

import ipaddress

from django.conf import settings


def _networks():
    nets = []
    for entry in getattr(settings, "TRUSTED_PROXIES", []):
        try:
            nets.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return nets


def _trusted(address, nets):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request):
    remote = request.META.get("REMOTE_ADDR") or None
    nets = _networks()
    if not remote or not nets or not _trusted(remote, nets):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, nets):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote


def axes_client_ip(request):
    """AXES_CLIENT_IP_CALLABLE: the same address the audit log records."""
    return client_address(request)
