"""Pages of the centre's report-form editor."""

urlpatterns: list = []
