"""Login events go to the audit log (等保). Business state changes never use signals."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from . import audit
from .clientip import client_address


def _address(request):
    return client_address(request) if request is not None else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    with transaction.atomic():
        audit.record(user, "login", user, address=_address(request))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            audit.record(user, "logout", user, address=_address(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    with transaction.atomic():
        audit.record(
            username,
            "login_failed",
            None,
            {"username": username},
            object_type="auth.User",
            object_repr=username,
            address=_address(request),
        )
