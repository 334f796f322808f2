from django.urls import path

from . import views

app_name = "assistance"
urlpatterns = [
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
]
