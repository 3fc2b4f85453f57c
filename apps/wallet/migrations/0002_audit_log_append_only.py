"""The audit log refuses UPDATE and DELETE in the database too, whoever asks (PostgreSQL;
SQLite, for ``make run``, relies on the model's guard)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION wallet_audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'wallet_walletauditlog is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER wallet_audit_log_append_only
    BEFORE UPDATE OR DELETE ON wallet_walletauditlog
    FOR EACH ROW EXECUTE FUNCTION wallet_audit_log_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS wallet_audit_log_append_only ON wallet_walletauditlog;
DROP FUNCTION IF EXISTS wallet_audit_log_append_only();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
