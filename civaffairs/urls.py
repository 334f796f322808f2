from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reports import views as reports_views

from . import job_views, views
from .accounts import PasswordChangeView

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/account/", views.person_account, name="person_account"),
    path("households/<int:pk>/account/", views.household_account, name="household_account"),
    path("accounts/changes/", views.account_changes, name="account_changes"),
    path("accounts/changes/<int:pk>/decide/", views.account_change_decide, name="account_change_decide"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/add/", views.household_add_member, name="household_add_member"),
    path("households/<int:pk>/head/", views.household_change_head, name="household_change_head"),
    path(
        "households/<int:pk>/members/<int:member_pk>/remove/",
        views.household_remove_member,
        name="household_remove_member",
    ),
    path("villages/autocomplete/", views.village_autocomplete, name="village_autocomplete"),
    path("audit/", views.audit_log, name="audit_log"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", job_views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    # 统计数据 groups the figures as the summary does, so its page lives with the summary.
    path("figures/", reports_views.figures_page, name="figures"),
    path("accounts/grants/", views.access_grants, name="access_grants"),
    path("accounts/grants/<int:pk>/decide/", views.access_grant_decide, name="access_grant_decide"),
    path("assistance/", include("assistance.urls")),
    path("grassroots/", include("grassroots.urls")),
    path("reports/", include("reports.urls")),
    path("welfare/", include("welfare.urls")),
    path("admin/", admin.site.urls),
]
