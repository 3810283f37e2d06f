"""/api/v1/: the API, its OpenAPI schema (openapi.json) and interactive docs (docs)."""

from django.urls import path

from .v1 import api

urlpatterns = [path("", api.urls)]
