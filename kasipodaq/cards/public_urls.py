"""Public addresses of cards: short, so that the QR code stays small."""

from django.urls import path, re_path

from . import public_views

urlpatterns = [
    path("v/", public_views.check, name="card-check-home"),
    # Anything after v/ is a token to judge: garbage gets an answer, not a 404.
    re_path(r"^v/(?P<token>[\s\S]+?)/?$", public_views.check, name="card-check"),
    path(
        ".well-known/kasipodaq-card-keys.json",
        public_views.public_keys,
        name="card-keys",
    ),
]
