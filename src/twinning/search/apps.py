from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def drop_orphan_text(using: str = "default", **kwargs: Any) -> None:
    """Remove full-text rows whose entry is gone.

    The full-text tables live outside Django's models, so a flush (which tests do, and which
    signals post_migrate afterwards) empties the entries but not them."""
    from django.db import connections

    connection = connections[using]
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        if "search_fts" in tables:
            cursor.execute(
                "DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_searchentry)"
            )
        if "search_vector" in tables:
            cursor.execute(
                "DELETE FROM search_vector"
                " WHERE entry_id NOT IN (SELECT id FROM search_searchentry)"
            )


class SearchConfig(AppConfig):
    name = "twinning.search"
    verbose_name = _("全文检索")

    def ready(self) -> None:
        post_migrate.connect(drop_orphan_text, sender=self)
