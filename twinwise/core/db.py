"""Database housekeeping shared by the loaders."""

from django.db import connection


def refresh_statistics() -> None:
    """Update the query planner's statistics after a bulk load.

    Without them SQLite scans every visible case for a text search instead of starting from
    the few full-text matches (50–70 ms instead of 6–7 ms at 300k cases).
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
