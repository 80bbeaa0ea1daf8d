"""`tisheng warning-evaluate [--teachers N] [--seed S]`: run the risk model on a synthetic
history whose outcome is known and print its precision and recall for "high risk" against
"did not complete" (nothing is kept: the history is rolled back)."""

from django.core.management.base import BaseCommand

from tisheng.monitoring.warning.evaluation import warning_evaluate


class Command(BaseCommand):
    help = "Evaluate the early-warning model on a synthetic history (precision and recall)."

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=400)
        parser.add_argument("--seed", type=int, default=20240304)

    def handle(self, *args, teachers=400, seed=20240304, **options):
        result = warning_evaluate(n=teachers, seed=seed)
        self.stdout.write(result.line())
        for pattern, counts in result.by_pattern.items():
            self.stdout.write(f"  {pattern:8} teachers={counts.get('teachers', 0)} "
                              f"not_completed={counts.get('not_completed', 0)} "
                              f"flagged_high={counts.get('flagged_high', 0)}")
