"""Studio URLs for preview (filled in by its own change)."""

urlpatterns: list = []
