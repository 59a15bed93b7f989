"""prune_job_events forgets what no reconnect can ask for any more."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from live.models import JobEvent, StreamTicket
from live.services import issue_stream_ticket
from testing import held_jobs, person

pytestmark = pytest.mark.django_db


def test_it_prunes_old_events_and_expired_tickets(capsys):
    ann = person("ann")
    old, recent = held_jobs(ann, 2)
    JobEvent.objects.filter(job_id=old.id).update(created_at=timezone.now() - timedelta(hours=25))
    issue_stream_ticket(user=ann)
    StreamTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    issue_stream_ticket(user=ann)  # still valid: kept

    call_command("prune_job_events")

    assert list(JobEvent.objects.values_list("job_id", flat=True)) == [recent.id]
    assert StreamTicket.objects.count() == 1
    assert "Pruned 1 job events and 1 expired stream tickets." in capsys.readouterr().out
