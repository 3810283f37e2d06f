"""Pages that move reports in and out as files (XLSX, PDF, offline templates), in
the `reports` namespace; each takes the report's pk."""

from django.urls import path

from .views import exchange

urlpatterns = [
    path("<int:pk>/xlsx/", exchange.ReportXlsxView.as_view(), name="export-xlsx"),
    path("<int:pk>/pdf/", exchange.ReportPdfView.as_view(), name="export-pdf"),
    path("<int:pk>/template/", exchange.ReportTemplateView.as_view(), name="template"),
    path("<int:pk>/upload/", exchange.ReportUploadView.as_view(), name="upload"),
]
