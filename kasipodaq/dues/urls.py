"""Staff pages of dues (namespace "dues")."""

from django.urls import path

from .views import member_dues, org_dues

app_name = "dues"
urlpatterns = [
    path("org/<int:pk>/", org_dues.OrgDuesView.as_view(), name="org"),
    path(
        "org/<int:pk>/payroll/",
        org_dues.PayrollUploadView.as_view(),
        name="payroll-upload",
    ),
    path("payroll/<int:pk>/", org_dues.PayrollView.as_view(), name="payroll"),
    path("member/<int:pk>/cash/", member_dues.CashView.as_view(), name="cash"),
    path(
        "payment/<int:pk>/receipt.pdf",
        member_dues.ReceiptView.as_view(),
        name="receipt",
    ),
]
