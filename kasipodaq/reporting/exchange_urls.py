"""Pages that move reports in and out as files (XLSX, PDF, offline templates)."""

urlpatterns: list = []
