"""SQLite: an FTS5 table `search_fts(title, body)` whose rowid is the SearchEntry id.

Queries are FTS5 MATCH expressions built from quoted words only; the rank is bm25 with the title
counting ten times the body."""

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import connection

from twinning.search.backends import IndexRow, chunks
from twinning.search.segment import ParsedQuery

TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0


def _quoted(token: str) -> str:
    # Tokens hold letters and digits only (segment._WORD); the quotes make each one a plain
    # phrase, so AND, OR, NEAR, * or column names cannot be typed into the expression.
    return '"' + token.replace('"', "") + '"'


def _alternative(alternative: str) -> str:
    words = [_quoted(t) for t in alternative.split() if t]
    return words[0] if len(words) == 1 else "(" + " AND ".join(words) + ")"


def match_expression(query: ParsedQuery) -> str:
    groups = []
    for group in query.groups:
        alternatives = [_alternative(a) for a in group if a.split()]
        if alternatives:
            groups.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups)


class SqliteBackend:
    vendor = "sqlite"
    scores_cheaply = True

    def replace(self, rows: list[IndexRow]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            for part in chunks([r.entry_id for r in rows]):
                marks = ",".join(["%s"] * len(part))
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", part)  # noqa: S608
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, body) VALUES (%s, %s, %s)",
                [(r.entry_id, r.title_tokens, r.body_tokens) for r in rows],
            )

    def delete(self, entry_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            for part in chunks(list(entry_ids)):
                marks = ",".join(["%s"] * len(part))
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", part)  # noqa: S608

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")

    def match_sql(
        self, query: ParsedQuery, only: tuple[str, list[Any]] | None = None
    ) -> tuple[str, list[Any]]:
        sql = (
            "SELECT rowid AS entry_id, -bm25(search_fts, %s, %s) AS score "
            "FROM search_fts WHERE search_fts MATCH %s"
        )
        params: list[Any] = [TITLE_WEIGHT, BODY_WEIGHT, match_expression(query)]
        if only is not None:
            sql += f" AND rowid IN ({only[0]})"
            params += only[1]
        return sql, params

    def filter_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            "SELECT rowid AS entry_id FROM search_fts WHERE search_fts MATCH %s",
            [match_expression(query)],
        )

    def title_filter_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            "SELECT rowid AS entry_id FROM search_fts WHERE search_fts MATCH %s",
            ["{title} : (" + match_expression(query) + ")"],
        )

    def score_sql(self, query: ParsedQuery, ids: tuple[str, list[Any]]) -> tuple[str, list[Any]]:
        return self.match_sql(query, ids)

    def refreshed(self) -> None:
        """FTS5 merges its segments by itself as rows are added."""

    def searching(self) -> AbstractContextManager[Any]:
        return nullcontext()
