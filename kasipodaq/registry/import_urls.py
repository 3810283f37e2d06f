"""Staff pages of imports (namespace "imports")."""

from django.urls import path

from .views import imports

app_name = "imports"
urlpatterns = [
    path("", imports.ImportListView.as_view(), name="list"),
    path("new/", imports.ImportUploadView.as_view(), name="upload"),
    path("<int:pk>/", imports.ImportDetailView.as_view(), name="detail"),
    path("<int:pk>/columns/", imports.ImportColumnsView.as_view(), name="columns"),
    path("<int:pk>/progress/", imports.ImportProgressView.as_view(), name="progress"),
    path("<int:pk>/run/", imports.ImportRunView.as_view(), name="run"),
    path("<int:pk>/report/", imports.ImportReportView.as_view(), name="report"),
]
