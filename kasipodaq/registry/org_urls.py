from django.urls import path

from .views import organizations as views

app_name = "orgs"
urlpatterns = [
    path("", views.OrgTreeView.as_view(), name="tree"),
    path("<int:pk>/", views.OrgDetailView.as_view(), name="detail"),
    path("<int:pk>/children/", views.OrgChildrenView.as_view(), name="children"),
    path("<int:pk>/new/", views.OrgCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", views.OrgEditView.as_view(), name="edit"),
    path("<int:pk>/employees/", views.OrgEmployeesView.as_view(), name="employees"),
    path("<int:pk>/move/", views.OrgMoveView.as_view(), name="move"),
    path("<int:pk>/merge/", views.OrgMergeView.as_view(), name="merge"),
    path("<int:pk>/liquidate/", views.OrgLiquidateView.as_view(), name="liquidate"),
    path(
        "<int:pk>/leave-union/", views.OrgLeaveUnionView.as_view(), name="leave-union"
    ),
]
