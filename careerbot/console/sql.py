"""Multi-row INSERT helper: one statement per chunk instead of one round trip per row."""
from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy.engine import Connection

# SQLite allows 32,766 bound variables per statement; stay far below for any column count.
_MAX_PARAMETERS = 6000


def insert_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence],
                suffix: str = "") -> None:
    """INSERT `rows` (tuples in `columns` order) into `table`; `suffix` is e.g. an ON CONFLICT clause.

    Goes to the driver directly (positional placeholders) because compiling statements with
    thousands of named parameters costs more than the insert itself.
    """
    rows = list(rows)
    if not rows:
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    row_placeholder = "(" + ", ".join([marker] * len(columns)) + ")"
    chunk_size = max(1, _MAX_PARAMETERS // len(columns))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start:start + chunk_size]
        statement = head + ", ".join([row_placeholder] * len(chunk)) + " " + suffix
        connection.exec_driver_sql(statement, tuple(value for row in chunk for value in row))
