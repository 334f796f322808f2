from .audit import set_request_address


class RequestAddressMiddleware:
    """Remembers the client address for the audit log of this request's thread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_request_address(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            set_request_address(None)
