"""Pages of the centre's report-form editor."""

from django.urls import path

from .views import form_editor as views

urlpatterns = [
    path("", views.FormListView.as_view(), name="forms"),
    path("<int:pk>/new-version/", views.VersionNewView.as_view(), name="version-new"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version"),
    path(
        "versions/<int:pk>/edit/", views.VersionEditView.as_view(), name="version-edit"
    ),
    path(
        "versions/<int:pk>/publish/",
        views.VersionPublishView.as_view(),
        name="version-publish",
    ),
]
