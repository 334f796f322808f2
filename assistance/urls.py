from django.urls import path

from . import procedure_views, roster_views, views

app_name = "assistance"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/correction/", views.case_correction, name="case_correction"),
    path("cases/<int:pk>/<str:what>/", views.case_change, name="case_change"),
    path("apply/dibao/", views.apply_dibao, name="apply_dibao"),
    path("apply/household/<int:household_pk>/", views.apply_household, name="apply_household"),
    path("apply/person/<int:person_pk>/", views.apply_person, name="apply_person"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/review/<str:what>/", procedure_views.review_record, name="review_record"),
    path("inbox/", views.inbox, name="inbox"),
    path("standards/", views.standard_list, name="standard_list"),
    path("standards/new/", views.standard_create, name="standard_create"),
    path("standards/<int:pk>/", views.standard_detail, name="standard_detail"),
    path("standards/<int:pk>/decide/", views.standard_decide, name="standard_decide"),
    path("standards/<int:pk>/backpay/", views.standard_backpay, name="standard_backpay"),
    path("standards/<int:pk>/preview/", views.standard_preview, name="standard_preview"),
    path("payrolls/", views.payroll_list, name="payroll_list"),
    path("payrolls/generate/", views.payroll_generate, name="payroll_generate"),
    path("payrolls/<int:pk>/", views.payroll_detail, name="payroll_detail"),
    path("payrolls/<int:pk>/decide/", views.payroll_decide, name="payroll_decide"),
    path("payrolls/<int:pk>/withdraw/", views.payroll_withdraw, name="payroll_withdraw"),
    path("payrolls/<int:pk>/export/", views.payroll_export, name="payroll_export"),
    path("notice/", views.notice, name="notice"),
    path("procedures/", procedure_views.procedure_list, name="procedure_list"),
    path("procedures/verification-import/", procedure_views.verification_import, name="verification_import"),
    path(
        "procedures/accept/<str:program>/<int:pk>/", procedure_views.procedure_accept, name="procedure_accept"
    ),
    path("procedures/<int:pk>/", procedure_views.procedure_detail, name="procedure_detail"),
    path("procedures/<int:pk>/notice.pdf", procedure_views.procedure_notice_pdf, name="procedure_notice_pdf"),
    path(
        "procedures/<int:pk>/refusal.pdf", procedure_views.procedure_refusal_pdf, name="procedure_refusal_pdf"
    ),
    path("procedures/<int:pk>/<str:step>/", procedure_views.procedure_step, name="procedure_step"),
    path("attachments/<int:pk>/", procedure_views.attachment_download, name="attachment_download"),
    path("spot-checks/", procedure_views.spot_checks, name="spot_checks"),
    path("relatives/", procedure_views.relatives, name="relatives"),
    path("import/", roster_views.roster_import, name="roster_import"),
    path("import/template.xlsx", roster_views.roster_template, name="roster_template"),
]
