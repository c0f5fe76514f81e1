"""Studio URLs for stats (filled in by its own change)."""

urlpatterns: list = []
