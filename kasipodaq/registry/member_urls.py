"""Staff pages of members (namespace "members")."""

from django.urls import path

from .views import members

app_name = "members"
urlpatterns = [
    path("", members.MemberListView.as_view(), name="list"),
    path("export/", members.MemberExportView.as_view(), name="export"),
    path("admit/", members.MemberAdmitView.as_view(), name="admit"),
    path("<int:pk>/", members.MemberDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", members.MemberEditView.as_view(), name="edit"),
    path("<int:pk>/leave/", members.MemberLeaveView.as_view(), name="leave"),
    path("<int:pk>/transfer/", members.MemberTransferView.as_view(), name="transfer"),
    path("<int:pk>/delete/", members.MemberDeleteView.as_view(), name="delete"),
]
