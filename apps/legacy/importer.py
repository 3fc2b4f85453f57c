"""The import of the old Go/Supabase database, table by table, in batches that commit on their own.

Rows are written with plain SQL (COPY into a temporary table, then one ``INSERT ... ON CONFLICT
DO UPDATE ... WHERE IS DISTINCT FROM`` per batch), never through the services or the ORM's
``save()``: no signal, domain event, push notification or email fires for an imported row, and
invitations and notifications are marked as already sent. The source is read in one read-only,
repeatable-read transaction through server-side (named) cursors, ``batch_size`` rows at a time,
so memory stays flat whatever the size. Each batch commits together with its table's watermark
and its quarantined rows, so a run killed half-way resumes where it stopped.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

import psycopg
from django.db import DatabaseError, IntegrityError, connection, transaction
from psycopg import sql

from apps.legacy.models import ImportWatermark, QuarantinedRow
from apps.legacy.tables import SKIPPED, Table, tables

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
BOOKKEEPING = ("_reason", "_ts", "_sid")


@dataclass
class TableReport:
    source: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Quarantine:
    table: str
    id: str
    reason: str


def connect_source(url: str) -> psycopg.Connection:
    """A read-only, repeatable-read connection: one consistent snapshot, and no write possible."""
    conn = psycopg.connect(url, autocommit=False, options="-c timezone=UTC")
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return conn


def auth_columns(source: psycopg.Connection) -> set[str]:
    rows = source.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'auth' AND table_name = 'users'"
    ).fetchall()
    return {name for (name,) in rows}


def source_tables(source: psycopg.Connection) -> set[str]:
    rows = source.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    ).fetchall()
    return {name for (name,) in rows} | {"auth.users", "auth.users (credentials)"}


def _wrapped(table: Table) -> str:
    """The table's query limited to rows changed since a time, plus any row in quarantine
    (so a row refused for a missing parent is retried once the parent has arrived)."""
    return (
        f"SELECT * FROM ({table.query}) s "  # noqa: S608 - our own SQL
        "WHERE (%(since)s::timestamptz IS NULL OR s._ts >= %(since)s::timestamptz "
        "OR s._sid = ANY(%(retry)s::text[])) ORDER BY s._ts, s._sid"
    )


class Importer:
    """One run over every table; ``progress`` is called as ``(table, done, total)``."""

    def __init__(
        self,
        source: psycopg.Connection,
        *,
        since: datetime | None = None,
        full: bool = False,
        batch_size: int = BATCH_SIZE,
        only: set[str] | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.source = source
        self.since = since
        self.full = full
        self.batch_size = batch_size
        self.only = only
        self.progress = progress or (lambda *args: None)
        self.present = source_tables(source)
        self.tables = [
            t
            for t in tables(auth_columns(source))
            if t.source.split(" ")[0] in self.present and (not only or t.source in only)
        ]
        self.reports: dict[str, TableReport] = {}
        self.quarantined: list[Quarantine] = []

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> dict[str, TableReport]:
        for table in self.tables:
            self.reports[table.source] = self._import_table(table)
        for skipped in SKIPPED:
            if skipped.source in self.present and not self.only:
                (count,) = self.source.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(skipped.source))
                ).fetchone()
                self.reports[skipped.source] = TableReport(source=count, skipped=count)
        return self.reports

    def _since(self, table: Table) -> datetime | None:
        if self.since is not None:
            return self.since
        if self.full:
            return None
        mark = ImportWatermark.objects.filter(source_table=table.source).first()
        return mark.watermark if mark else None

    def _import_table(self, table: Table) -> TableReport:
        report = TableReport()
        retry = list(
            QuarantinedRow.objects.filter(source_table=table.source).values_list(
                "source_id", flat=True
            )
        )
        params = {"since": self._since(table), "retry": retry}
        query = _wrapped(table)
        count = f"SELECT count(*) FROM ({query}) c"  # noqa: S608 - our own SQL
        (total,) = self.source.execute(count, params).fetchone()
        self.progress(table.source, 0, total)
        self._create_scratch(table)
        n = len(table.columns)
        with self.source.cursor(name=f"legacy_{table.target}") as cur:
            cur.execute(query, params)
            while rows := cur.fetchmany(self.batch_size):
                with transaction.atomic():
                    self._import_batch(table, rows, n, report, bool(retry))
                report.source += len(rows)
                self.progress(table.source, report.source, total)
        return report

    def _create_scratch(self, table: Table) -> None:
        cols = sql.SQL(", ").join(map(sql.Identifier, table.columns))
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS legacy_scratch_{table.target}")
            c.execute(
                sql.SQL("CREATE TEMP TABLE {} AS SELECT {} FROM {} WITH NO DATA")
                .format(
                    sql.Identifier(f"legacy_scratch_{table.target}"),
                    cols,
                    sql.Identifier(table.target),
                )
                .as_string(c.connection)
            )

    def _import_batch(self, table: Table, rows, n: int, report: TableReport, had_q: bool):
        scratch = sql.Identifier(f"legacy_scratch_{table.target}")
        sid_of: dict[str, str] = {}
        refused: list[Quarantine] = []
        good = []
        newest = None
        for row in rows:
            values, (reason, ts, sid) = row[:n], row[n:]
            newest = ts if newest is None or (ts is not None and ts > newest) else newest
            if reason and reason.startswith("skip:"):
                report.skipped += 1
            elif reason:
                refused.append(Quarantine(table.source, sid, reason))
            else:
                sid_of[str(values[0])] = sid
                good.append(values)
        with connection.cursor() as c:
            raw = c.cursor
            raw.execute(sql.SQL("TRUNCATE {}").format(scratch))
            cols = sql.SQL(", ").join(map(sql.Identifier, table.columns))
            with raw.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(scratch, cols)) as copy:
                for values in good:
                    copy.write_row(values)
            for fk in table.fks:
                refs = sql.SQL(
                    "{s}.{col} IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM {ref} r WHERE r.id = {s}.{col})"
                ).format(s=scratch, col=sql.Identifier(fk.column), ref=sql.Identifier(fk.table))
                if fk.required:
                    raw.execute(
                        sql.SQL("DELETE FROM {s} WHERE {refs} RETURNING {pk}::text").format(
                            s=scratch, refs=refs, pk=sql.Identifier(table.pk)
                        )
                    )
                    for (pk,) in raw.fetchall():
                        if fk.reason.startswith("skip:"):
                            report.skipped += 1
                        else:
                            refused.append(Quarantine(table.source, sid_of[pk], fk.reason))
                        sid_of.pop(pk)
                else:
                    raw.execute(
                        sql.SQL("UPDATE {s} SET {col} = NULL WHERE {refs}").format(
                            s=scratch, col=sql.Identifier(fk.column), refs=refs
                        )
                    )
            inserted, updated = self._upsert(table, raw, scratch, sid_of, refused)
        report.imported += inserted
        report.updated += updated
        report.unchanged += len(sid_of) - inserted - updated
        report.quarantined += len(refused)
        self._record(table, refused, list(sid_of.values()) if had_q else [], newest)

    def _upsert(self, table: Table, raw, scratch, sid_of, refused) -> tuple[int, int]:
        """The batch in one statement; if a constraint refuses it, row by row so only the
        offending rows are quarantined (with the database's reason)."""
        statement = self._upsert_sql(table, scratch)
        try:
            with transaction.atomic():
                raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
                raw.execute(statement, {"only": None})
                return raw.fetchone()
        except (IntegrityError, DatabaseError, psycopg.DatabaseError):
            pass
        inserted = updated = 0
        for pk in list(sid_of):
            try:
                with transaction.atomic():
                    raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    raw.execute(statement, {"only": pk})
                    i, u = raw.fetchone()
            except (IntegrityError, DatabaseError, psycopg.DatabaseError) as error:
                reason = str(error).splitlines()[0][:255]
                refused.append(Quarantine(table.source, sid_of.pop(pk), reason))
                continue
            inserted += i
            updated += u
        return inserted, updated

    @staticmethod
    def _upsert_sql(table: Table, scratch) -> sql.Composed:
        ident = sql.Identifier
        cols = sql.SQL(", ").join(map(ident, table.columns))
        if table.append_only:
            conflict = sql.SQL("DO NOTHING")
        else:
            updates = table.update_columns
            conflict = sql.SQL(
                "DO UPDATE SET {sets} WHERE ({old}) IS DISTINCT FROM ({new})"
            ).format(
                sets=sql.SQL(", ").join(
                    sql.SQL("{c} = EXCLUDED.{c}").format(c=ident(c)) for c in updates
                ),
                old=sql.SQL(", ").join(
                    sql.SQL("{t}.{c}").format(t=ident(table.target), c=ident(c)) for c in updates
                ),
                new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{c}").format(c=ident(c)) for c in updates),
            )
        return sql.SQL(
            "WITH w AS (INSERT INTO {target} ({cols}) SELECT {cols} FROM {s} "
            "WHERE %(only)s::text IS NULL OR {pk}::text = %(only)s::text "
            "ON CONFLICT ({pk}) {conflict} RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM w"
        ).format(
            target=ident(table.target),
            cols=cols,
            s=scratch,
            pk=ident(table.pk),
            conflict=conflict,
        )

    def _record(self, table: Table, refused, imported_sids, newest) -> None:
        """Quarantine, release rows that now import, and move the watermark, in the batch."""
        for q in refused:
            QuarantinedRow.objects.update_or_create(
                source_table=q.table, source_id=q.id, defaults={"reason": q.reason}
            )
        self.quarantined.extend(refused)
        if imported_sids:
            QuarantinedRow.objects.filter(
                source_table=table.source, source_id__in=imported_sids
            ).delete()
        if newest is not None:
            mark, _ = ImportWatermark.objects.get_or_create(source_table=table.source)
            if mark.watermark is None or newest > mark.watermark:
                mark.watermark = newest
                mark.save(update_fields=["watermark", "updated_at"])


# -- verification ------------------------------------------------------------------------------


def _checksum_sql(columns: tuple[str, ...]) -> str:
    """An order-independent checksum: the sum of the first 60 bits of each row's md5."""
    text = ", ".join(f"{c}::text" for c in columns)
    return (
        "count(*), coalesce(sum(('x' || substr(md5(concat_ws('|', "
        f"{text})), 1, 15))::bit(60)::bigint), 0)"
    )


@dataclass
class Verification:
    table: str
    source_count: int
    target_count: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return (self.source_count, self.source_checksum) == (
            self.target_count,
            self.target_checksum,
        )


def verify(source: psycopg.Connection, only: set[str] | None = None) -> list[Verification]:
    """Per table: the rows that should be here (not refused, not quarantined) against the rows
    that are, by count and by a checksum over ids and key fields. Meant for before the switch:
    rows written by the new API would count as a difference."""
    present = source_tables(source)
    results = []
    for table in tables(auth_columns(source)):
        if table.source.split(" ")[0] not in present or (only and table.source not in only):
            continue
        quarantined = list(
            QuarantinedRow.objects.filter(source_table=table.source).values_list(
                "source_id", flat=True
            )
        )
        checksum = _checksum_sql(table.checksum)
        src = source.execute(
            f"SELECT {checksum} FROM ({table.query}) s "  # noqa: S608 - our own SQL
            "WHERE s._reason IS NULL AND NOT (s._sid = ANY(%s::text[]))",
            [quarantined],
        ).fetchone()
        if table.fks and any(fk.reason.startswith("skip:") for fk in table.fks):
            # Rows left out because their parent was not imported are not a difference.
            src = _source_with_parents(source, table, quarantined, checksum)
        with connection.cursor() as c:
            c.execute(
                f"SELECT {checksum} FROM {table.target} WHERE {table.target_filter}"  # noqa: S608
            )
            dst = c.fetchone()
        results.append(Verification(table.source, src[0], dst[0], str(src[1]), str(dst[1])))
    return results


def _source_with_parents(source, table: Table, quarantined, checksum):
    with connection.cursor() as c:
        c.execute(f"SELECT id::text FROM {table.fks[0].table}")  # noqa: S608
        parents = [pk for (pk,) in c.fetchall()]
    column = table.fks[0].column
    return source.execute(
        f"SELECT {checksum} FROM ({table.query}) s "  # noqa: S608 - our own SQL
        f"WHERE s._reason IS NULL AND NOT (s._sid = ANY(%s::text[])) "
        f"AND s.{column}::text = ANY(%s::text[])",
        [quarantined, parents],
    ).fetchone()


def report_json(reports: dict[str, TableReport], quarantined: list[Quarantine]) -> str:
    return json.dumps(
        {
            "tables": {name: r.as_dict() for name, r in reports.items()},
            "quarantined": [asdict(q) for q in quarantined],
        },
        indent=2,
    )
