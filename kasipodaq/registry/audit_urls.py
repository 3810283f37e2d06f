from django.urls import path

from .views import audit_trail as views

app_name = "audit"
urlpatterns = [
    path("", views.AuditEventsView.as_view(), name="events"),
    path("person/<int:pk>/", views.AuditPersonView.as_view(), name="person"),
    path("user/<int:pk>/", views.AuditUserView.as_view(), name="user"),
]
