"""`tisheng warning-evaluate [--teachers N] [--seed S]`: run the risk model on a synthetic
history whose outcome is known, as if today were 10 %, 50 % and 90 % into the program and in
its deadline month, and print at each point the share of teachers at each level and the
precision and recall of "high risk" and of "high or medium risk" against "did not complete by
the deadline" (nothing is kept: the history is rolled back)."""

from django.core.management.base import BaseCommand

from tisheng.monitoring.warning.evaluation import warning_evaluate
from tisheng.monitoring.warning.risk import ACHIEVABLE_HOURS_PER_DAY


class Command(BaseCommand):
    help = "Evaluate the early-warning model on a synthetic history (levels, precision and recall over time)."

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=400)
        parser.add_argument("--seed", type=int, default=20240304)
        parser.add_argument("--patterns", action="store_true", help="also print each pattern's counts")

    def handle(self, *args, teachers=400, seed=20240304, patterns=False, **options):
        result = warning_evaluate(n=teachers, seed=seed)
        self.stdout.write(f"{result.line()} (model uses {ACHIEVABLE_HOURS_PER_DAY})")
        for point in result.points:
            self.stdout.write(point.line())
            if patterns:
                for pattern, counts in point.by_pattern.items():
                    self.stdout.write(f"    {pattern:8} " + " ".join(f"{k}={v}" for k, v in counts.items()))
