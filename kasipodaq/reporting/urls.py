"""Pages of statistical reporting. The form editor's pages are in form_urls and the
file exchange's in exchange_urls, all under the one `reports` namespace."""

from django.urls import include, path

from .views import campaigns, dynamics, reports

app_name = "reports"
urlpatterns = [
    path("forms/", include("kasipodaq.reporting.form_urls")),
    path("", include("kasipodaq.reporting.exchange_urls")),
    path("", campaigns.CampaignListView.as_view(), name="campaigns"),
    path(
        "campaigns/<int:pk>/",
        campaigns.CampaignDetailView.as_view(),
        name="campaign",
    ),
    path("dynamics/", dynamics.DynamicsView.as_view(), name="dynamics"),
    path("<int:pk>/", reports.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/save/", reports.ReportSaveView.as_view(), name="save"),
    path("<int:pk>/submit/", reports.ReportSubmitView.as_view(), name="submit"),
    path("<int:pk>/approve/", reports.ReportApproveView.as_view(), name="approve"),
    path("<int:pk>/return/", reports.ReportReturnView.as_view(), name="return"),
    path("<int:pk>/missing/", reports.ReportMissingView.as_view(), name="missing"),
    path("<int:pk>/reopen/", reports.ReportReopenView.as_view(), name="reopen"),
    path("<int:pk>/settle/", reports.ReportSettleView.as_view(), name="settle"),
]
