"""等保 practice: lockout after 5 failed logins, 8+ character passwords of 3 classes, 30-minute idle
sessions, and production settings that refuse to start without a secret key."""

import datetime
import os
import secrets
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    get_default_password_validators,
    validate_password,
)
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD

BASE_DIR = settings.BASE_DIR


def attempt(client, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": "shicheng", "password": password}, REMOTE_ADDR=address)


def test_it_locks_the_account_after_5_failed_logins(client, caseworker):
    for _ in range(4):
        assert attempt(client, "wrong-password").status_code == 200
    attempt(client, "wrong-password")
    response = attempt(client, TEST_PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_failures_from_elsewhere_do_not_lock_the_caseworker_out(client, caseworker):
    """Lock on the pair (username, address): five POSTs from anywhere no longer lock anyone out."""
    for _ in range(5):
        attempt(client, "wrong-password", address="203.0.113.7")
    assert attempt(client, TEST_PASSWORD, address="203.0.113.7").status_code == 429
    response = attempt(client, TEST_PASSWORD, address="10.0.0.1")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(caseworker.pk)


def test_the_lockout_ends_after_30_minutes(client, caseworker):
    import time_machine

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            attempt(client, "wrong-password")
        clock.shift(datetime.timedelta(minutes=29))
        assert attempt(client, TEST_PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=2))
        assert attempt(client, TEST_PASSWORD).status_code == 302


def test_an_address_trying_many_usernames_is_throttled(client, caseworker, settings):
    for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": f"guess{i}", "password": "x"}, REMOTE_ADDR="198.51.100.9")
    # Not one username failed five times, yet the address is throttled, even for a right password.
    response = attempt(client, TEST_PASSWORD, address="198.51.100.9")
    assert response.status_code == 429
    assert attempt(client, TEST_PASSWORD, address="10.0.0.1").status_code == 302


def test_four_failed_logins_do_not_lock_the_account(client, caseworker):
    for _ in range(4):
        attempt(client, "wrong-password")
    response = attempt(client, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(caseworker.pk)


def test_a_locked_account_does_not_lock_others(client, caseworker, chief):
    for _ in range(5):
        attempt(client, "wrong-password")
    response = client.post(reverse("login"), {"username": "chief_assist", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(chief.pk)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("abcdefgh", "至少 3 类"),  # one class
        ("abcdefg1", "至少 3 类"),  # two classes
        ("ABCDEFG1", "至少 3 类"),
        ("Abc12!", "8"),  # three classes, too short
        ("Abcdef1", "8"),
    ],
)
def test_it_refuses_weak_passwords(password, reason):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(reason in m for m in exc.value.messages)


@pytest.mark.parametrize("password", ["Mzq7#pLx", "yunan#2019x", "YUNAN#2019", "Yunan#2019x", "Yunanqu2019"])
def test_it_accepts_passwords_of_8_characters_from_3_classes(password):
    validate_password(password)


@pytest.mark.parametrize("password", ["Abcdefg1", "abcdefg1!", "ABCDEFG!1"])
def test_the_class_and_length_rules_accept_8_characters_from_3_classes(password):
    # The 等保 rules alone; CommonPasswordValidator is checked separately below.
    validators = [v for v in get_default_password_validators() if not isinstance(v, CommonPasswordValidator)]
    validate_password(password, password_validators=validators)


@pytest.mark.parametrize("password", ["Abcdefg1", "Password1", "Qwerty123"])
def test_it_refuses_common_passwords_even_of_3_classes(password):
    # Django's list of common passwords is compared case-insensitively: Abcdefg1 is abcdefg1.
    with pytest.raises(ValidationError, match="太常见"):
        validate_password(password)


def test_the_password_change_form_applies_the_rules(caseworker, login):
    client = login(caseworker)
    weak = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    assert weak.status_code == 200
    assert "至少 3 类" in weak.content.decode()
    caseworker.refresh_from_db()
    assert caseworker.check_password(TEST_PASSWORD)
    strong = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Yunan#2019x", "new_password2": "Yunan#2019x"},
    )
    assert strong.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.check_password("Yunan#2019x")


def test_idle_sessions_end_after_30_minutes_renewed_by_a_request(caseworker, login):
    assert settings.SESSION_COOKIE_AGE == 1800
    client = login(caseworker)
    key = client.session.session_key
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.get(reverse("home")).status_code == 200
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + datetime.timedelta(minutes=5)
        )
        clock.shift(datetime.timedelta(seconds=61))

        assert client.get(reverse("home")).status_code == 200

        left = Session.objects.get(session_key=key).expire_date - timezone.now()
        assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_the_expiry_is_written_at_most_once_a_minute(caseworker, login):
    client = login(caseworker)
    key = client.session.session_key
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.get(reverse("home")).status_code == 200
        written = Session.objects.get(session_key=key).expire_date
        clock.shift(datetime.timedelta(seconds=30))
        assert client.get(reverse("home")).status_code == 200
        assert Session.objects.get(session_key=key).expire_date == written  # not written again
        clock.shift(datetime.timedelta(seconds=31))
        assert client.get(reverse("home")).status_code == 200
        assert Session.objects.get(session_key=key).expire_date > written
        # Idle for 30 minutes after that: logged out.
        clock.shift(datetime.timedelta(minutes=30, seconds=1))
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_idle_session_past_30_minutes_must_log_in_again(caseworker, login):
    client = login(caseworker)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def run_django(args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="civaffairs.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_to_serve_others_without_a_secret_key():
    result = run_django(["-c", "import django; django.setup()"], DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_local_use_needs_no_configuration_and_shows_no_debug_page():
    """`make run`: no variables set. Debug is off unless DEBUG=1; the key is generated once under
    var/ and kept."""
    script = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"
    first = run_django(["-c", script])
    second = run_django(["-c", script])
    assert first.returncode == 0, first.stderr
    debug, key = first.stdout.split()
    assert debug == "False"
    assert len(key) >= 50 and "insecure" not in key
    assert second.stdout == first.stdout
    assert (BASE_DIR / "var" / "secret_key").read_text().strip() == key
    asked = run_django(["-c", script], DEBUG="1")
    assert asked.stdout.split()[0] == "True"


def test_settings_start_without_debug_once_a_secret_key_is_set():
    result = run_django(
        ["-c", "import django; django.setup()"], DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_passes_with_production_settings():
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr
