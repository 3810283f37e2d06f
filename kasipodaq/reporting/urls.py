"""Pages of statistical reporting. The form editor's pages are in form_urls and the
file exchange's in exchange_urls, all under the one `reports` namespace."""

from django.urls import include, path

app_name = "reports"
urlpatterns = [
    path("forms/", include("kasipodaq.reporting.form_urls")),
    path("", include("kasipodaq.reporting.exchange_urls")),
]
