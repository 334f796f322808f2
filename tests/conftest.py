import os

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# No example database in the working tree, and no per-example deadline on a busy CI machine.
hypothesis_settings.register_profile("civaffairs", database=None, deadline=None)
hypothesis_settings.load_profile("civaffairs")


def pytest_configure(config):
    # WhiteNoise warns that STATIC_ROOT (var/static) does not exist until collectstatic has run.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache lives in this process's memory: each test's world starts without another's.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cached(settings):
    """Kept values on (civaffairs/kept.py), as in production: the worlds of the tests that use it
    are made through the services only."""
    settings.RECORDS_CACHE_SECONDS = 600
    return settings


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Most worlds are dated in 2019 while the clock reads today: the backdating limit is tested on
    # its own (tests/assistance/test_money_defects.py) with the clock set.
    settings.ENROLMENT_MAX_BACKDATE_MONTHS = 12 * 100
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The figures' cache is keyed by the last change recorded in the audit log; many worlds here
    # are made of factory rows (regions, villages) that no service records, so it is off, and
    # tests/civaffairs/test_figures_cache.py turns it on where the world is made through services.
    settings.RECORDS_CACHE_SECONDS = 0
    # Background jobs run at once, inside the request that starts them (civaffairs/jobs.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- the demo roles, as make_user builds them (tests/factories.py) -----------------------------


@pytest.fixture
def shicheng(db):
    from tests.factories import town

    return town("石城镇")


@pytest.fixture
def liudu(db):
    from tests.factories import town

    return town("六都镇")


@pytest.fixture
def shicheng_village(shicheng):
    from tests.factories import village

    return village(shicheng, name="上洞村")


@pytest.fixture
def liudu_village(liudu):
    from tests.factories import village

    return village(liudu, name="大河村")


@pytest.fixture
def caseworker(shicheng):
    """石城镇经办人."""
    from civaffairs.roles import CASEWORKER
    from tests.factories import make_user

    return make_user(CASEWORKER, town=shicheng, username="shicheng")


@pytest.fixture
def liudu_caseworker(liudu):
    from civaffairs.roles import CASEWORKER
    from tests.factories import make_user

    return make_user(CASEWORKER, town=liudu, username="liudu")


@pytest.fixture
def chief(db):
    """社会救助股股长."""
    from civaffairs.models import Section
    from civaffairs.roles import CHIEF
    from tests.factories import make_user

    return make_user(CHIEF, section=Section.ASSISTANCE, username="chief_assist")


@pytest.fixture
def welfare_chief(db):
    """社会福利和社会事务股股长: sees none of 社会救助股's records (issue 12)."""
    from civaffairs.models import Section
    from civaffairs.roles import CHIEF
    from tests.factories import make_user

    return make_user(CHIEF, section=Section.WELFARE, username="chief_welfare")


@pytest.fixture
def director(db):
    from civaffairs.roles import DIRECTOR
    from tests.factories import make_user

    return make_user(DIRECTOR, username="director")


@pytest.fixture
def auditor(db):
    from civaffairs.roles import AUDITOR
    from tests.factories import make_user

    return make_user(AUDITOR, username="auditor")


@pytest.fixture
def sysadmin(db):
    """系统管理员 (staff, no beneficiary data); not pytest-django's superuser `admin_user`."""
    from civaffairs.roles import ADMIN
    from tests.factories import make_user

    return make_user(ADMIN, username="sysadmin")


@pytest.fixture
def login(db):
    """login(user) -> a test Client with that user logged in (one client per user)."""
    from django.test import Client

    def _login(user):
        client = Client()
        client.force_login(user)
        return client

    return _login
