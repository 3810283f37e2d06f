from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("second-factor/", views.SecondFactorView.as_view(), name="second-factor"),
    path(
        "second-factor/setup/",
        views.SecondFactorSetupView.as_view(),
        name="second-factor-setup",
    ),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
]
