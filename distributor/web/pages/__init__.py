"""The desk's HTML pages, one module per screen. Every router checks CSRF on POST."""
