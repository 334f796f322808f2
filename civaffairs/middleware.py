from django.conf import settings
from django.utils.cache import add_never_cache_headers

from .audit import set_request_address
from .clientip import client_address


class RequestAddressMiddleware:
    """Remembers the client address for the audit log of this request's thread: the real client's
    behind a trusted proxy (settings.TRUSTED_PROXIES), the connection's otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_request_address(client_address(request))
        try:
            return self.get_response(request)
        finally:
            set_request_address(None)


class NoStoreMiddleware:
    """Pages and downloads carry personal data: no browser or proxy cache keeps a copy
    (Cache-Control: no-store). Static files (served before this by WhiteNoise) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            add_never_cache_headers(response)
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy: scripts and styles from this site only, no inline script, no
    framing, no plug-ins (settings.CONTENT_SECURITY_POLICY)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class BusyDatabaseMiddleware:
    """A write that waited its whole busy timeout for SQLite's lock (settings.SQLITE_OPTIONS)
    answers a Chinese "try again" page (503), never a 500; nothing of it was saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import OperationalError
        from django.shortcuts import render

        if isinstance(exception, OperationalError) and "locked" in str(exception).lower():
            return render(request, "busy.html", status=503)
        return None


def not_activity(view):
    """A view a page asks on its own (the job page's status poll, every second while the job is
    live): no sign that someone is at the screen, so it does not renew the idle session. A page
    left open on a job whose worker died would otherwise keep its session alive for ever."""
    view.renews_session = False
    return view


class SessionRenewalMiddleware:
    """Idle sessions end after settings.SESSION_COOKIE_AGE (30 minutes) without a request. Each
    request renews the expiry, but writes it at most once every settings.SESSION_RENEW_SECONDS (a
    minute), not on every request: the session row was an UPDATE on every page under load (13% of
    a worker's time at city scale, bench/RESULTS.md). An idle session thus ends 29–30 minutes
    after its last request. A page's own polls (views marked not_activity) renew nothing."""

    KEY = "_renewed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        import time

        if not getattr(view_func, "renews_session", True):
            return None
        session = request.session
        if session.session_key is None:
            return None
        now = int(time.time())
        renewed = session.get(self.KEY, 0)
        # Reading it loaded it: a key the database does not hold (made up, expired, logged out) is
        # dropped then. Nothing to renew: marking that empty session changed would make
        # SessionMiddleware write a new session row for anyone sending such a cookie.
        if session.session_key is not None and now - renewed >= getattr(
            settings, "SESSION_RENEW_SECONDS", 60
        ):
            session[self.KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return None
