"""The project's settings, with one trivial view added (bench/urls.py): the floor of a page."""

from civaffairs.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
