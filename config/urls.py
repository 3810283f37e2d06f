from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="orgs:tree"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kasipodaq.accounts.urls")),
    path("orgs/", include("kasipodaq.registry.org_urls")),
    path("members/", include("kasipodaq.registry.member_urls")),
    path("imports/", include("kasipodaq.registry.import_urls")),
    path("audit/", include("kasipodaq.registry.audit_urls")),
    path("reports/", include("kasipodaq.reporting.urls")),
    path("api/v1/", include("kasipodaq.api.urls")),
    path("cards/", include("kasipodaq.cards.urls")),
    path("dues/", include("kasipodaq.dues.urls")),
    path("budget/", include("kasipodaq.budget.urls")),
    path("", include("kasipodaq.cards.public_urls")),
]
