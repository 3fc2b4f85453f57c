"""The bench's old-database generator at a tiny scale: what it writes imports whole and verifies
(the full size runs only in `make bench-migration`)."""

import pytest
from django.core.management import call_command

from apps.chat.models import ChatMessage
from apps.users.models import User
from bench import legacy_dataset

pytestmark = pytest.mark.django_db


def test_generated_old_database_imports_and_verifies(old_db, capsys):
    counts = legacy_dataset.generate(old_db.url, legacy_dataset.Spec.scaled(0.001))
    assert counts["chat_messages"] == 300
    call_command("import_legacy")
    assert "\nquarantined " not in capsys.readouterr().out
    assert User.objects.count() == counts["auth.users"]
    assert ChatMessage.objects.count() == counts["chat_messages"]
    call_command("import_legacy", "--verify")
    assert "DIFFERENT" not in capsys.readouterr().out
