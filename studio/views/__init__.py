"""The author's studio, one module per kind of page; studio/urls.py lists them all."""
