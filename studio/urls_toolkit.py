"""Studio URLs for toolkit (filled in by its own change)."""

urlpatterns: list = []
