"""The directory database: SQLite by default, PostgreSQL when DATABASE_URL says so.

Two kinds of tables:
- the HSDS tables as loaded (one per file in hsds.TABLES, every specification column as text);
- a read model for search: `listings`, one row per service at a location with everything the bot
  shows, and `listing_terms`, one row per (category term, listing) with the coordinates, indexed
  on (term, latitude, longitude) so a search reads only the bounding box of one category.

Every import builds these tables afresh from the code's definitions, so there are no migrations.
A directory imported by an earlier version stays searchable until the next import: a read that
finds a read-model column missing (such as `languages`, added with languages.csv) reads the
directory without it instead (OlderDirectory), and the swap locks only the tables that exist.

Re-importing replaces the whole directory atomically, so a running bot sees the old directory or
the new one, never a mix:
- SQLite: the new directory is built in a new file beside the old one and moved over it with
  os.replace. Readers hold the file they opened (the old inode stays readable) and reopen when
  the path points at a new file.
- PostgreSQL: the new directory is built in a fresh schema, then the schemas are swapped by
  renaming them inside one transaction.
Every search is a single SQL statement, so it never straddles a swap.
"""
from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Dict, Iterable, Iterator, List, Mapping, NamedTuple, \
    Optional, Sequence, Tuple

import psycopg2
import psycopg2.errors
from psycopg2.pool import ThreadedConnectionPool

from careerbot import settings
from careerbot.directory.geo import bounding_box, min_unit_dot, unit_vector
from careerbot.directory.hsds import SERVICE, TABLES, Table
from careerbot.directory.validate import ValidatedPackage
from careerbot.language import LANGUAGES

log = logging.getLogger(__name__)

DIRECTORY_FILE = "directory.db"
POSTGRES_SCHEMA = "careerbot_directory"


class ListingRow(NamedTuple):
    """One service at one location, as the search reads it."""

    id: int
    service_at_location_id: str
    service_id: str
    organization_id: str
    location_id: str
    organization_name: str
    service_name: str
    address: Optional[str]
    postal_code: Optional[str]
    latitude: float
    longitude: float
    ux: float  # unit vector of the coordinates, for exact distance filtering in SQL
    uy: float
    uz: float
    phone: Optional[str]
    website: Optional[str]
    eligibility: Optional[str]
    fees: Optional[str]
    time_zone: Optional[str]
    schedules: str  # JSON list of schedule field dicts (hours.ScheduleRule.from_fields)
    terms: str      # JSON list of the normalised category terms
    is_sample: int
    # JSON object: the languages the service is offered in at this location (languages.csv rows
    # naming the service, the location or the listing's phone), languages.language_key -> the
    # directory's note or null, e.g. {"es": "Bilingual staff on Tuesdays", "vi": null}.
    languages: str = "{}"


class StoredListing(NamedTuple):
    """A listing as a read returns it: its read-model row, and fields read straight from the HSDS
    tables, which every import loads with all their specification columns. Reading them there
    rather than from new read-model columns keeps a directory imported by an earlier version
    searchable without a re-import."""

    row: ListingRow
    application_process: Optional[str]  # services.application_process: how to apply


class TermRow(NamedTuple):
    """A listing under one category term, with everything a search filters and orders on, so
    that the search reads the index alone and fetches listings only for the page it shows."""

    term: str
    latitude: float
    longitude: float
    ux: float
    uy: float
    uz: float
    listing_id: int
    # The assistant's languages (careerbot.language.LANGUAGES) the listing is offered in, each
    # between commas (",es,"; "" for none): a search for a Spanish speaker orders on it from the
    # index alone.
    spoken: str = ""


def spoken_column(keys: Iterable[str]) -> str:
    """TermRow.spoken for a listing offered in the languages `keys`."""
    found = [language for language in LANGUAGES if language in set(keys)]
    return f",{','.join(found)}," if found else ""


_LISTING_TYPES = {"id": "INTEGER PRIMARY KEY", "latitude": "DOUBLE PRECISION",
                  "longitude": "DOUBLE PRECISION", "ux": "DOUBLE PRECISION",
                  "uy": "DOUBLE PRECISION", "uz": "DOUBLE PRECISION", "is_sample": "INTEGER"}
_TERM_TYPES = {"term": "TEXT", "latitude": "DOUBLE PRECISION", "longitude": "DOUBLE PRECISION",
               "ux": "DOUBLE PRECISION", "uy": "DOUBLE PRECISION", "uz": "DOUBLE PRECISION",
               "listing_id": "INTEGER", "spoken": "TEXT"}


class DirectoryNotLoaded(RuntimeError):
    """No directory has been imported into this database yet."""


class OlderDirectory(RuntimeError):
    """The directory was imported by an earlier version: a read-model column is missing."""


# `listings` columns added after the first release -> the value a read takes for them from a
# directory imported before them (until it is imported again). A search of such a directory
# leaves out listing_terms.spoken as well: it orders by distance alone.
_LATER_LISTING_COLUMNS = {"languages": "'{}'"}


@dataclass(frozen=True)
class NearbyPage:
    rows: List[StoredListing]
    total: int  # listings matching in the whole radius, not just this page
    in_language: int = 0  # of those, how many are offered in the language asked to put first


def _stored_listing(row: Sequence[object]) -> StoredListing:
    """A StoredListing from a row selected with DirectoryStore._listing_columns."""
    *listing, application_process = row
    return StoredListing(ListingRow(*listing), application_process or None)


def table_name(table: Table) -> str:
    """Database table of an HSDS table: its file name without .csv (e.g. "services")."""
    return table.path[: -len(".csv")]


def _quote(identifier: str) -> str:
    return f'"{identifier}"'


class DirectoryStore(ABC):
    """SQL shared by both databases; subclasses own connections and the atomic swap."""

    placeholder = "?"

    # ---- writing --------------------------------------------------------------------------------
    @abstractmethod
    def replace(self, package: ValidatedPackage, listings: Sequence[ListingRow],
                terms: Sequence[TermRow], info: Mapping[str, object]) -> None:
        """Make `package` (and its read model) the directory, atomically."""

    def _create_tables(self, execute, prefix: str) -> None:
        for table in TABLES:
            columns = ", ".join(f"{_quote(c)} TEXT" + (" PRIMARY KEY" if c == "id" else "")
                                for c in table.columns)
            execute(f"CREATE TABLE {prefix}{_quote(table_name(table))} ({columns})")
        execute(f"CREATE TABLE {prefix}listings ("
                + ", ".join(f"{c} {_LISTING_TYPES.get(c, 'TEXT')}" for c in ListingRow._fields)
                + ")")
        execute(f"CREATE TABLE {prefix}listing_terms ("
                + ", ".join(f"{c} {t}" for c, t in _TERM_TYPES.items()) + ")")
        execute(f"CREATE TABLE {prefix}import_info (key TEXT PRIMARY KEY, value TEXT)")

    @staticmethod
    def _create_indexes(execute, prefix: str) -> None:
        # Covering index: a search reads term, box, position and listing id from the index.
        execute(f"CREATE INDEX listing_terms_by_place ON {prefix}listing_terms "
                f"({', '.join(TermRow._fields)})")
        # Questions about listings already shown fetch them by the id the conversation kept.
        execute(f"CREATE INDEX listings_by_service_at_location ON {prefix}listings "
                f"(service_at_location_id)")

    @staticmethod
    def _rows_to_write(package: ValidatedPackage, listings, terms,
                       info) -> Iterator[Tuple[str, Sequence[str], Iterable[tuple]]]:
        """(table, columns, rows) for everything a replace writes."""
        for table in TABLES:
            yield table_name(table), table.columns, package[table.name].rows
        yield "listings", ListingRow._fields, listings
        yield "listing_terms", TermRow._fields, terms
        yield "import_info", ("key", "value"), [(k, json.dumps(v)) for k, v in info.items()]

    # ---- reading --------------------------------------------------------------------------------
    @abstractmethod
    def _query(self, sql: str, params: Sequence[object]) -> List[tuple]:
        """Run one read statement against the current directory."""

    def nearby(self, terms: Collection[str], latitude: float, longitude: float,
               radius_miles: float, limit: int, offset: int = 0,
               language: Optional[str] = None) -> NearbyPage:
        """Listings tagged with any of `terms` within the radius, nearest first; with
        `language` (a key of careerbot.language.LANGUAGES), those offered in it first, each
        group nearest first."""
        if not terms:
            return NearbyPage([], 0)
        found = self._read(lambda older: self._nearby_statement(
            terms, latitude, longitude, radius_miles, limit, offset, language, older))
        if not found and offset:
            # Past the last page the window counts have no row to ride on; count separately.
            first = self.nearby(terms, latitude, longitude, radius_miles, 1, language=language)
            return NearbyPage([], first.total, first.in_language)
        rows = [_stored_listing(row[:-2]) for row in found]
        return NearbyPage(rows, int(found[0][-2]), int(found[0][-1])) if found \
            else NearbyPage([], 0)

    def _nearby_statement(self, terms: Collection[str], latitude: float, longitude: float,
                          radius_miles: float, limit: int, offset: int,
                          language: Optional[str], older: bool) -> Tuple[str, List[object]]:
        box = bounding_box(latitude, longitude, radius_miles)
        x, y, z = unit_vector(latitude, longitude)
        p = self.placeholder
        lon_sql = " OR ".join(f"t.longitude BETWEEN {p} AND {p}" for _ in box.lon_ranges)
        in_language = f"CASE WHEN t.spoken LIKE {p} THEN 1 ELSE 0 END" \
            if language and not older else "0"
        # Innermost: candidates in the box (index only; DISTINCT because a listing can carry
        # several of the terms). Middle: the exact radius, the counts, the page. Outer: the
        # listings of that page only.
        sql = (
            f"SELECT {self._listing_columns(older)}, page.matches, page.matches_in_language "
            f"FROM ("
            f"SELECT listing_id, closeness, in_language, COUNT(*) OVER () AS matches, "
            f"SUM(in_language) OVER () AS matches_in_language FROM ("
            f"SELECT DISTINCT t.listing_id, t.ux * {p} + t.uy * {p} + t.uz * {p} AS closeness, "
            f"{in_language} AS in_language "
            f"FROM {self._prefix}listing_terms AS t "
            f"WHERE t.term IN ({', '.join(p for _ in terms)}) "
            f"AND t.latitude BETWEEN {p} AND {p} AND ({lon_sql})"
            f") AS candidates WHERE closeness >= {p} "
            f"ORDER BY in_language DESC, closeness DESC, listing_id LIMIT {p} OFFSET {p}"
            f") AS page JOIN {self._prefix}listings AS l ON l.id = page.listing_id "
            f"{self._services_join} "
            f"ORDER BY page.in_language DESC, page.closeness DESC, l.id"
        )
        params: List[object] = [x, y, z]
        if language and not older:
            params.append(f"%,{language},%")
        params += [*terms, box.min_lat, box.max_lat]
        for west, east in box.lon_ranges:
            params += [west, east]
        params += [min_unit_dot(radius_miles), limit, offset]
        return sql, params

    def listings_by_id(self, ids: Collection[str]) -> List[StoredListing]:
        """The listings whose service_at_location_id is one of `ids` (those the directory
        holds), in no particular order."""
        if not ids:
            return []
        marks = ", ".join(self.placeholder for _ in ids)
        found = self._read(lambda older: (
            f"SELECT {self._listing_columns(older)} FROM {self._prefix}listings AS l "
            f"{self._services_join} WHERE l.service_at_location_id IN ({marks})", list(ids)))
        return [_stored_listing(row) for row in found]

    def _read(self, statement: Callable[[bool], Tuple[str, Sequence[object]]]) -> List[tuple]:
        """Run statement(False); on a directory imported by an earlier version, which lacks a
        later read-model column, statement(True), which reads without it."""
        try:
            return self._query(*statement(False))
        except OlderDirectory:
            if not self._told_older:
                self._told_older = True
                log.warning("The resource directory was imported by an earlier version; import "
                            "it again to use what it says about languages")
            return self._query(*statement(True))

    _told_older = False

    def _listing_columns(self, older: bool = False) -> str:
        """What a read selects for a StoredListing, from `l` (listings) and `s` (services)."""
        return ", ".join(
            [f"{_LATER_LISTING_COLUMNS[c]} AS {c}" if older and c in _LATER_LISTING_COLUMNS
             else f"l.{c}" for c in ListingRow._fields]
            + ["s.application_process"])

    @property
    def _services_join(self) -> str:
        return (f"LEFT JOIN {self._prefix}{_quote(table_name(SERVICE))} AS s "
                f"ON s.id = l.service_id")

    def counts(self) -> Dict[str, int]:
        """Rows per table, read in one statement (so from one version of the directory)."""
        names = ["listings"] + [table_name(t) for t in TABLES]
        selects = ", ".join(f"(SELECT COUNT(*) FROM {self._prefix}{_quote(n)})" for n in names)
        return dict(zip(names, self._query(f"SELECT {selects}", [])[0]))

    def listing_count(self, terms: Optional[Collection[str]] = None) -> int:
        """How many listings the directory holds; with `terms`, how many carry any of them."""
        if terms is None:
            return self._query(f"SELECT COUNT(*) FROM {self._prefix}listings", [])[0][0]
        if not terms:
            return 0
        marks = ", ".join(self.placeholder for _ in terms)
        return self._query(f"SELECT COUNT(DISTINCT listing_id) FROM {self._prefix}listing_terms "
                           f"WHERE term IN ({marks})", list(terms))[0][0]

    def terms(self) -> List[str]:
        """Every category term some listing carries."""
        return [row[0] for row in
                self._query(f"SELECT DISTINCT term FROM {self._prefix}listing_terms", [])]

    def info(self) -> Dict[str, object]:
        """What the last import recorded (source, time, counts)."""
        rows = self._query(f"SELECT key, value FROM {self._prefix}import_info", [])
        return {key: json.loads(value) for key, value in rows}

    @property
    def _prefix(self) -> str:
        return ""

    def close(self) -> None:
        """Release connections."""


class SQLiteStore(DirectoryStore):
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._connections: List[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __str__(self) -> str:
        return f"SQLite file {self.path}"

    def replace(self, package, listings, terms, info) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        building = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.building")
        try:
            connection = sqlite3.connect(building)
            try:
                # The file is private until the rename below, so no journal is needed: a crash
                # leaves only this temporary file behind.
                connection.execute("PRAGMA journal_mode = OFF")
                connection.execute("PRAGMA synchronous = OFF")
                self._create_tables(connection.execute, "")
                for name, columns, rows in self._rows_to_write(package, listings, terms, info):
                    marks = ", ".join("?" for _ in columns)
                    connection.executemany(f"INSERT INTO {_quote(name)} VALUES ({marks})", rows)
                self._create_indexes(connection.execute, "")
                connection.execute("ANALYZE")
                connection.commit()
            finally:
                connection.close()
            _fsync(building)
            os.replace(building, self.path)
            _fsync(self.path.parent)
        finally:
            building.unlink(missing_ok=True)

    def _reader(self) -> sqlite3.Connection:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise DirectoryNotLoaded(f"No directory at {self.path}; import one first") from None
        identity = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.identity != identity:
            if connection is not None:
                self._forget(connection)
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                         check_same_thread=False)
            with self._lock:
                self._connections.append(connection)
            self._local.connection, self._local.identity = connection, identity
        return connection

    def _forget(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            self._connections.remove(connection)
        connection.close()

    def _query(self, sql, params):
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            if str(error).startswith("no such column"):
                raise OlderDirectory(str(error)) from None
            raise

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PostgresStore(DirectoryStore):
    placeholder = "%s"

    def __init__(self, url: str, schema: str = POSTGRES_SCHEMA):
        self.url = url
        self.schema = schema
        self._pool = None
        self._pool_lock = threading.Lock()

    def __str__(self) -> str:
        return f"PostgreSQL schema {self.schema}"  # not the URL: it may hold a password

    @property
    def _prefix(self) -> str:
        return f"{self.schema}."

    @contextmanager
    def _pooled(self):
        with self._pool_lock:
            if self._pool is None:
                # Up to one connection per thread searching at the same moment.
                self._pool = ThreadedConnectionPool(1, 16, self.url)
            pool = self._pool  # the connection goes back to the pool it came from
        connection = pool.getconn()
        try:
            connection.autocommit = True  # one statement, one snapshot; no idle transactions
            yield connection
        except Exception:
            if not pool.closed:
                pool.putconn(connection, close=True)
            raise
        else:
            if not pool.closed:
                pool.putconn(connection)

    def _query(self, sql, params):
        try:
            return self._query_once(sql, params)
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            # After a database restart every pooled connection is dead: drop them all and ask
            # once more on a new one (a read, so asking again is harmless).
            self._discard_pool()
            return self._query_once(sql, params)

    def _query_once(self, sql, params):
        with self._pooled() as connection, connection.cursor() as cursor:
            try:
                cursor.execute(sql, params)
            except (psycopg2.errors.UndefinedTable, psycopg2.errors.InvalidSchemaName):
                raise DirectoryNotLoaded(f"No directory in schema {self.schema}; "
                                         "import one first") from None
            except psycopg2.errors.UndefinedColumn as error:
                raise OlderDirectory(str(error).strip()) from None
            return cursor.fetchall()

    def _discard_pool(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.closeall()

    def _lock_order(self, schema: str, present: Collection[str]) -> List[str]:
        """Every table of a directory schema, in the order readers touch them; of those
        `present` (a directory imported by an earlier version lacks tables added since).

        The swap locks the old tables in this order before renaming. A search statement locks
        listing_terms, then listings, then services (its FROM clause in order); a read by id
        locks listings, then services; counts() locks listings, then the HSDS tables. Locking in
        the same order means a reader that already holds an old table also gets the old versions
        of the others (the swap waits for it), and one that waited for the swap re-resolves
        every name to the new schema.
        """
        names = ["listing_terms", "listings"] + [table_name(t) for t in TABLES] + ["import_info"]
        return [f"{schema}.{_quote(n)}" for n in names if n in present]

    def replace(self, package, listings, terms, info) -> None:
        loading = f"{self.schema}_loading_{uuid.uuid4().hex[:12]}"
        retired = f"{self.schema}_old"
        connection = psycopg2.connect(self.url)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {loading}")
                self._create_tables(cursor.execute, f"{loading}.")
                for name, columns, rows in self._rows_to_write(package, listings, terms, info):
                    _copy_rows(cursor, f"{loading}.{_quote(name)}", columns, rows)
                self._create_indexes(cursor.execute, f"{loading}.")
            # VACUUM (outside a transaction) sets the visibility map, which lets searches read
            # the covering index without visiting the table; ANALYZE gives the planner sizes.
            connection.autocommit = True
            with connection.cursor() as cursor:
                for table in ("listing_terms", "listings"):
                    cursor.execute(f"VACUUM ANALYZE {loading}.{table}")
            connection.autocommit = False
            with connection, connection.cursor() as cursor:
                # One importer at a time swaps; readers keep reading until the commit.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.schema])
                cursor.execute("SELECT to_regclass(%s)", [f"{self.schema}.listings"])
                has_current = cursor.fetchone()[0] is not None
                cursor.execute(f"DROP SCHEMA IF EXISTS {retired} CASCADE")
                if has_current:
                    cursor.execute("SELECT table_name FROM information_schema.tables "
                                   "WHERE table_schema = %s", [self.schema])
                    present = {row[0] for row in cursor.fetchall()}
                    cursor.execute(f"LOCK TABLE "
                                   f"{', '.join(self._lock_order(self.schema, present))} "
                                   "IN ACCESS EXCLUSIVE MODE")
                    cursor.execute(f"ALTER SCHEMA {self.schema} RENAME TO {retired}")
                cursor.execute(f"ALTER SCHEMA {loading} RENAME TO {self.schema}")
            with connection, connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {retired} CASCADE")
        except Exception:
            connection.rollback()
            with connection, connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {loading} CASCADE")
            raise
        finally:
            connection.close()

    def close(self) -> None:
        self._discard_pool()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_BATCH_ROWS = 50_000


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, float):
        return repr(value)
    return str(value).translate(_COPY_ESCAPES)


def _copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY in batches: far faster than INSERTs for 100,000s of rows."""
    statement = f"COPY {table} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
    batch: List[str] = []
    for row in rows:
        batch.append("\t".join(_copy_value(v) for v in row))
        if len(batch) == _COPY_BATCH_ROWS:
            cursor.copy_expert(statement, io.StringIO("\n".join(batch) + "\n"))
            batch = []
    if batch:
        cursor.copy_expert(statement, io.StringIO("\n".join(batch) + "\n"))


def open_store(database_url: Optional[str] = None) -> DirectoryStore:
    """The directory store for this deployment: PostgreSQL if DATABASE_URL (or `database_url`)
    is a postgresql:// URL, else $CAREERBOT_DATA_DIR/directory.db."""
    url = database_url if database_url is not None else os.environ.get("DATABASE_URL", "")
    if not url:
        return SQLiteStore(settings.data_dir() / DIRECTORY_FILE)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise ValueError("DATABASE_URL must be a postgresql:// URL (or unset for SQLite)")
