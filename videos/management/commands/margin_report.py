from django.core.management.base import BaseCommand

from videos.margins import margin_rows, totals


class Command(BaseCommand):
    help = (
        "Per model and day: credits charged (settled jobs), their value at CREDIT_VALUE_USD, "
        "the provider cost recorded on the jobs, and the gross margin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="days back, today included")

    def handle(self, *args, days, **options):
        rows = margin_rows(days=max(1, days))
        header = ("day", "model", "jobs", "credits", "value USD", "cost USD", "margin USD", "%")
        self.stdout.write("\t".join(header))
        total = totals(rows)
        for row in [*rows, *([total] if total else [])]:
            percent = row.gross_margin_percent
            self.stdout.write(
                "\t".join(
                    [
                        "total" if row is total else row.day.isoformat(),
                        row.model,
                        str(row.jobs),
                        str(row.credits),
                        f"{row.value_usd:.2f}",
                        f"{row.provider_cost_usd:.2f}"
                        + (f" ({row.estimated_costs} estimated)" if row.estimated_costs else ""),
                        f"{row.gross_margin_usd:.2f}",
                        "—" if percent is None else str(percent),
                    ]
                )
            )
        if not rows:
            self.stdout.write(f"No charged or costed jobs in the last {days} day(s).")
