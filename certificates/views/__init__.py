"""Views of the certificates app, one module per page group."""
