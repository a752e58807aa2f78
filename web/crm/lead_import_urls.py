"""The cabinet's CSV import of leads, under ``cabinet/lead-lists/<uuid:pk>/import/``."""

from django.urls import URLPattern, path

from web.crm import lead_import_views as views

app_name = "lead_import"

urlpatterns: list[URLPattern] = [
    path("", views.LeadImportUploadView.as_view(), name="upload"),
    path("<uuid:import_id>/", views.LeadImportDetailView.as_view(), name="detail"),
    path("<uuid:import_id>/start/", views.LeadImportStartView.as_view(), name="start"),
    path("<uuid:import_id>/resume/", views.LeadImportResumeView.as_view(), name="resume"),
    path("<uuid:import_id>/progress/", views.LeadImportProgressView.as_view(), name="progress"),
    path("<uuid:import_id>/report.csv", views.LeadImportReportCsvView.as_view(), name="report"),
]
