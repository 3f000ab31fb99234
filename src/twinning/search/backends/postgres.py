"""PostgreSQL: a table `search_vector(entry_id, vector tsvector)` with a GIN index.

The vector is written as a tsvector literal built here from the segmented words (title words
weight A, body words weight B), so PostgreSQL's text parser and locale play no part; the query is
a tsquery literal of the same words. Rank: ts_rank with weights {D 0.1, C 0.2, B 0.4, A 1.0},
normalised by the logarithm of the document's length."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from twinning.search.backends import IndexRow, chunks
from twinning.search.segment import ParsedQuery

# The title (weight A) is scored apart, unnormalised and ten times over (as SQLite's bm25 weighs
# it), so a long document whose title holds the words is not outranked by short texts that
# only mention them; the body (B) is normalised by length.
TITLE_WEIGHTS = "{1.0,1.0,1.0,1.0}"
TITLE_FACTOR = 10
WEIGHTS = "{0.1,0.2,0.4,0}"
# ts_rank normalisation 1: divide by 1 + log(number of words), so long texts do not win by size.
NORMALISATION = 1
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 255


def _lexeme(token: str) -> str:
    # Tokens hold letters and digits only; quoting (and escaping, to be safe) keeps them plain.
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(title_tokens: str, body_tokens: str) -> str:
    positions: dict[str, list[str]] = {}
    position = 0
    for tokens, weight in ((title_tokens, "A"), (body_tokens, "B")):
        for token in tokens.split():
            position = min(position + 1, MAX_POSITION)
            found = positions.get(token)
            if found is None:
                positions[token] = [f"{position}{weight}"]
            elif len(found) < MAX_POSITIONS_PER_WORD:
                found.append(f"{position}{weight}")
    return " ".join(f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def _alternative(alternative: str) -> str:
    words = [_lexeme(t) for t in alternative.split() if t]
    return words[0] if len(words) == 1 else "(" + " & ".join(words) + ")"


def tsquery_literal(query: ParsedQuery) -> str:
    groups = []
    for group in query.groups:
        alternatives = [_alternative(a) for a in group if a.split()]
        if alternatives:
            groups.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(groups)


SCORE = (
    # The title from its own small column (the long vector is read once per row, not twice).
    "(ts_rank(%s::float4[], v.title, %s::tsquery, 0) * %s"
    " + ts_rank(%s::float4[], v.vector, %s::tsquery, %s))"
)


def _score_params(literal: str) -> list[Any]:
    return [TITLE_WEIGHTS, literal, TITLE_FACTOR, WEIGHTS, literal, NORMALISATION]


class PostgresBackend:
    vendor = "postgresql"
    scores_cheaply = False

    def replace(self, rows: list[IndexRow]) -> None:
        if not rows:
            return
        # The words are already cut and cleaned (letters and digits only, NFKC, lower case);
        # PostgreSQL's parser keeps such words whole, so to_tsvector only numbers and weighs
        # them (in C, much faster than building the literal here; `tsvector_literal` is the
        # same in Python, kept for the tests).
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_vector (entry_id, vector, title) VALUES (%s, "
                "setweight(to_tsvector('simple', %s), 'A') || "
                "setweight(to_tsvector('simple', %s), 'B'), to_tsvector('simple', %s)) "
                "ON CONFLICT (entry_id) DO UPDATE SET vector = EXCLUDED.vector, "
                "title = EXCLUDED.title",
                [(r.entry_id, r.title_tokens, r.body_tokens, r.title_tokens) for r in rows],
            )

    def delete(self, entry_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            for part in chunks(list(entry_ids), 5000):
                cursor.execute("DELETE FROM search_vector WHERE entry_id = ANY(%s)", [part])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_vector")

    def match_sql(
        self, query: ParsedQuery, only: tuple[str, list[Any]] | None = None
    ) -> tuple[str, list[Any]]:
        literal = tsquery_literal(query)
        # The tsquery is a constant of the statement (not a joined row), so the planner can use
        # the GIN index and its statistics.
        sql = (
            f"SELECT v.entry_id AS entry_id, {SCORE} AS score "  # noqa: S608 - a constant
            "FROM search_vector v WHERE v.vector @@ %s::tsquery"
        )
        params: list[Any] = [*_score_params(literal), literal]
        if only is not None:
            sql += f" AND v.entry_id IN ({only[0]})"
            params += only[1]
        return sql, params

    def refreshed(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_vector")
            cursor.execute("ANALYZE search_searchentry")

    def score_sql(self, query: ParsedQuery, ids: tuple[str, list[Any]]) -> tuple[str, list[Any]]:
        sql = f"SELECT v.entry_id AS entry_id, {SCORE} AS score FROM search_vector v "  # noqa: S608
        sql += f"WHERE v.entry_id IN ({ids[0]})"  # noqa: S608 - placeholders only
        return sql, [*_score_params(tsquery_literal(query)), *ids[1]]

    def title_filter_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            "SELECT v.entry_id AS entry_id FROM search_vector v WHERE v.title @@ %s::tsquery",
            [tsquery_literal(query)],
        )

    def filter_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            "SELECT v.entry_id AS entry_id FROM search_vector v WHERE v.vector @@ %s::tsquery",
            [tsquery_literal(query)],
        )

    @contextmanager
    def searching(self) -> Iterator[None]:
        """The vectors live in TOAST, which the planner does not count: it would rather read
        every vector (a sequential or primary-key scan, 45 ms at 5,000 documents) than use the
        GIN index (1 ms). Plain scans are switched off for the search's own statements (joins
        then use bitmap scans of the primary keys)."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('enable_seqscan', 'off', true),"
                    " set_config('enable_indexscan', 'off', true)"
                )
            yield
            # (After an error the rollback of the block undoes the settings.)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('enable_seqscan', 'on', true),"
                    " set_config('enable_indexscan', 'on', true)"
                )
