"""The project's URLs and /bench/trivial/: a view that reads nothing, behind the same middleware
(sessions, authentication, CSP), so a page's time can be set against the server's own floor."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from civaffairs.urls import urlpatterns as project_urls


@login_required
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *project_urls]
