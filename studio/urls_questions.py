"""Studio URLs for questions (filled in by its own change)."""

urlpatterns: list = []
