"""``manage.py import_legacy``: copy the old Go/Supabase database into this one.

Writes directly (no services, no events, no pushes, no emails): see ``apps.legacy.importer``.
"""

import sys
from contextlib import nullcontext
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.legacy import importer


class _DryRun(Exception):
    """Raised to roll back everything a --dry-run wrote."""


class Progress:
    """A bar per table on a terminal (tqdm), a plain line per table and per 10% otherwise."""

    def __init__(self, stream, tty: bool):
        self.stream = stream
        self.tty = tty
        self.bar = None
        self.table = None
        self.step = 0

    def __call__(self, table: str, done: int, total: int) -> None:
        if table != self.table:
            self.close()
            self.table = table
            self.step = 0
            if self.tty:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=table, unit="row", file=self.stream)
            else:
                self.stream.write(f"{table}: {total} rows to read\n")
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
        elif total and done * 10 // total > self.step:
            self.step = done * 10 // total
            self.stream.write(f"{table}: {done}/{total}\n")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "Import the old NomadCrew database (Go/Supabase) into this one, idempotently."

    def add_arguments(self, parser):
        parser.add_argument("--source-url", default="", help="default: LEGACY_DATABASE_URL")
        parser.add_argument("--since", help="ISO time: only rows created or updated since")
        parser.add_argument("--full", action="store_true", help="ignore the watermarks")
        parser.add_argument("--dry-run", action="store_true", help="roll everything back")
        parser.add_argument("--report", help="write a JSON report to this path")
        parser.add_argument("--verify", action="store_true", help="compare source and target")
        parser.add_argument("--table", action="append", dest="tables", help="only these")
        parser.add_argument("--batch-size", type=int, default=importer.BATCH_SIZE)
        parser.add_argument("--copy-media", action="store_true", help="copy the old files too")

    def handle(self, *args, **options):
        url = options["source_url"] or settings.LEGACY_DATABASE_URL
        if not url:
            raise CommandError("Give --source-url or set LEGACY_DATABASE_URL.")
        since = None
        if options["since"]:
            try:
                since = datetime.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"--since: {error}") from error
            if since.tzinfo is None:
                raise CommandError("--since needs a time zone (e.g. 2026-01-01T00:00:00+00:00).")
        only = set(options["tables"] or []) or None
        source = importer.connect_source(url)
        try:
            if options["verify"]:
                return self._verify(source, only)
            self._import(source, since, only, options)
            if options["copy_media"]:
                from apps.legacy.media import copy_media

                try:
                    counts = copy_media(source, dry_run=options["dry_run"])
                except ValueError as error:
                    raise CommandError(str(error)) from error
                for kind, numbers in counts.items():
                    done = ", ".join(f"{what} {n}" for what, n in sorted(numbers.items()))
                    self.stdout.write(f"media {kind}: {done}")
        finally:
            source.close()

    def _import(self, source, since, only, options) -> None:
        progress = Progress(sys.stderr, sys.stderr.isatty())
        run = importer.Importer(
            source,
            since=since,
            full=options["full"],
            batch_size=options["batch_size"],
            only=only,
            progress=progress,
        )
        try:
            with transaction.atomic() if options["dry_run"] else nullcontext():
                run.run()
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("dry run: everything rolled back")
        finally:
            progress.close()
        for name, r in run.reports.items():
            self.stdout.write(
                f"{name}: source {r.source}, imported {r.imported}, updated {r.updated}, "
                f"unchanged {r.unchanged}, quarantined {r.quarantined}, skipped {r.skipped}"
            )
        for q in run.quarantined:
            self.stdout.write(f"quarantined {q.table} {q.id}: {q.reason}")
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as f:
                f.write(importer.report_json(run.reports, run.quarantined))

    def _verify(self, source, only) -> None:
        results = importer.verify(source, only)
        for v in results:
            state = "ok" if v.ok else "DIFFERENT"
            self.stdout.write(
                f"{v.table}: {state} (source {v.source_count}, target {v.target_count})"
            )
        bad = [v.table for v in results if not v.ok]
        if bad:
            raise CommandError(f"verify: {len(bad)} table(s) differ: {', '.join(bad)}")
