from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.summary_list, name="list"),
    path("plan/", views.plan_list, name="plan"),
    path("<int:pk>/", views.summary_detail, name="detail"),
    path("<int:pk>/head/", views.head_edit, name="head"),
    path("<int:pk>/finalize/", views.finalize, name="finalize"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/recompute/", views.recompute, name="recompute"),
    path("<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("<int:pk>/sections/", views.section_structure, name="structure_top"),
    path("<int:pk>/sections/<int:section_pk>/structure/", views.section_structure, name="structure"),
    path("<int:pk>/sections/<int:section_pk>/edit/", views.section_edit, name="section_edit"),
    path("<int:pk>/sections/<int:section_pk>/preview/", views.section_preview, name="section_preview"),
    path("<int:pk>/sections/<int:section_pk>/versions/", views.section_versions, name="versions"),
    path(
        "<int:pk>/sections/<int:section_pk>/versions/<int:number>/restore/",
        views.section_restore,
        name="restore",
    ),
]
