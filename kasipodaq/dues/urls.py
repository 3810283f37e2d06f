"""Staff pages of dues (namespace "dues")."""

from django.urls import path

from .views import (
    card_payments,
    collection,
    company_fees,
    exemptions,
    exports,
    member_dues,
    member_history,
    org_dues,
    rules,
    salaries,
    statements,
)

app_name = "dues"
urlpatterns = [
    path("org/<int:pk>/", org_dues.OrgDuesView.as_view(), name="org"),
    path("org/<int:pk>/remind/", org_dues.RemindView.as_view(), name="remind"),
    path(
        "org/<int:pk>/payroll/",
        org_dues.PayrollUploadView.as_view(),
        name="payroll-upload",
    ),
    path(
        "org/<int:pk>/companies/",
        company_fees.CompanyFeesView.as_view(),
        name="company-fees",
    ),
    path(
        "org/<int:pk>/statement/",
        statements.StatementView.as_view(),
        name="statement",
    ),
    path(
        "org/<int:pk>/collection/",
        collection.CollectionView.as_view(),
        name="collection",
    ),
    path("org/<int:pk>/export/", exports.ExportView.as_view(), name="export"),
    path("org/<int:pk>/rules/", rules.DuesRulesView.as_view(), name="rules"),
    path(
        "org/<int:pk>/distribution/",
        rules.DistributionView.as_view(),
        name="distribution",
    ),
    path("org/<int:pk>/salaries/", salaries.SalariesView.as_view(), name="salaries"),
    path(
        "member/<int:pk>/exemptions/",
        exemptions.ExemptionsView.as_view(),
        name="exemptions",
    ),
    path(
        "exemption/<int:pk>/end/",
        exemptions.ExemptionEndView.as_view(),
        name="exemption-end",
    ),
    path("payroll/<int:pk>/", org_dues.PayrollView.as_view(), name="payroll"),
    path("member/<int:pk>/cash/", member_dues.CashView.as_view(), name="cash"),
    path(
        "member/<int:pk>/history/",
        member_history.MemberHistoryView.as_view(),
        name="member-history",
    ),
    path(
        "member/<int:pk>/card/", card_payments.CardPaymentsView.as_view(), name="card"
    ),
    path(
        "card/<int:pk>/cancel/",
        card_payments.CardCancelView.as_view(),
        name="card-cancel",
    ),
    path(
        "card/notify/<slug:kind>/",
        card_payments.CardNotificationView.as_view(),
        name="card-notify",
    ),
    path(
        "org/<int:pk>/subscriptions/",
        card_payments.CardSubscriptionsView.as_view(),
        name="card-subscriptions",
    ),
    path(
        "payment/<int:pk>/receipt.pdf",
        member_dues.ReceiptView.as_view(),
        name="receipt",
    ),
]
