from django.urls import path

from . import views

app_name = "welfare"
urlpatterns = [
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/hazards/", views.hazard_add, name="hazard_add"),
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/<int:pk>/close/", views.hazard_close, name="hazard_close"),
    path("closures/<int:pk>/decide/", views.closure_decide, name="closure_decide"),
    path("retrofits/", views.retrofit_list, name="retrofit_list"),
    path("retrofits/new/", views.retrofit_create, name="retrofit_create"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/milestone/", views.milestone_submit, name="milestone_submit"),
    path("projects/<int:pk>/funds/", views.project_funds, name="project_funds"),
    path("milestone-reports/<int:pk>/decide/", views.milestone_decide, name="milestone_decide"),
    path("inbox/", views.inbox, name="inbox"),
    path("marriages/", views.marriage_list, name="marriage_list"),
    path("marriages/new/", views.marriage_create, name="marriage_create"),
    path("adoptions/", views.adoption_list, name="adoption_list"),
    path("adoptions/new/", views.adoption_create, name="adoption_create"),
    path("cremations/", views.cremation_list, name="cremation_list"),
    path("cremations/new/", views.cremation_create, name="cremation_create"),
    path("import/<str:kind>/", views.import_upload, name="import"),
    path("import/<str:kind>/template.xlsx", views.import_template, name="import_template"),
    path("publicity/", views.publicity_list, name="publicity_list"),
    path("publicity/new/", views.publicity_create, name="publicity_create"),
]
