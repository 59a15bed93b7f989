from django.core.management.base import BaseCommand, CommandError
from django.db.models import OuterRef, Subquery

from videos.models import ChargeStatus, JobStatus, VideoJob
from wallet.models import RESOLUTION_KINDS, EntryKind, LedgerEntry

# What a job's hold must have become, given the job's charge status.
EXPECTED_RESOLUTION: dict[str, str | None] = {
    ChargeStatus.PENDING: None,
    ChargeStatus.SETTLED: EntryKind.SETTLE,
    ChargeStatus.REFUNDED: EntryKind.RELEASE,
}
EXPECTED_CHARGE: dict[str, str] = {
    JobStatus.COMPLETED: ChargeStatus.SETTLED,
    JobStatus.FAILED: ChargeStatus.REFUNDED,
    JobStatus.CANCELLED: ChargeStatus.REFUNDED,
}


class Command(BaseCommand):
    help = (
        "Check every video job against its hold in the ledger: a running job's credits are "
        "still held, a completed one was charged, a failed or cancelled one refunded. "
        "Read-only; exits 1 on any disagreement (reconcile_wallets checks the ledger itself)."
    )

    def handle(self, *args, **options):
        resolutions = LedgerEntry.objects.filter(
            hold=OuterRef("hold_id"), kind__in=RESOLUTION_KINDS
        )
        jobs = (
            VideoJob.objects.annotate(resolution=Subquery(resolutions.values("kind")[:1]))
            .values_list(
                "id", "status", "charge_status", "resolution", "cost", "hold__reserved_change"
            )
            .order_by("created_at")
        )
        checked, problems = 0, []
        for job_id, status, charge, resolution, cost, held in jobs.iterator():
            checked += 1
            expected_charge = EXPECTED_CHARGE.get(status, ChargeStatus.PENDING)
            if charge != expected_charge:
                problems.append(f"job {job_id}: {status} but charge status {charge}")
            if resolution != EXPECTED_RESOLUTION[charge]:
                hold_state = resolution or "pending"
                problems.append(
                    f"job {job_id}: charge status {charge} but its hold is {hold_state}"
                )
            if held != cost:
                problems.append(f"job {job_id}: costs {cost} but its hold reserved {held}")
        for problem in problems:
            self.stdout.write(problem)
        summary = f"Checked {checked} video jobs against their holds: "
        if problems:
            raise CommandError(summary + f"{len(problems)} problem(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary + "all agree."))
