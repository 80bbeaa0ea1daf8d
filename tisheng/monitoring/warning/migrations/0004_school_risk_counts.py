"""Each school's risk counts per program (SchoolRisk), written by every refresh so the home
pages read one row per school; filled here from the scores already stored, so the home's
"schools at risk" is right before the next refresh."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def fill(apps, schema_editor):
    from django.db.models import Count, Max, Q

    score = apps.get_model("monitoring_warning", "RiskScore")
    school_risk = apps.get_model("monitoring_warning", "SchoolRisk")
    rows = (score.objects.values("program_id", "school_id")
            .annotate(org_path=Max("org_path"), high=Count("pk", filter=Q(level="high")), medium=Count("pk", filter=Q(level="medium")),
                      low=Count("pk", filter=Q(level="low"))).order_by())
    school_risk.objects.bulk_create((school_risk(**row) for row in rows), batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring_warning', '0003_notifications_move_to_their_own_app'),
        ('orgs', '0001_initial'),
        ('programs', '0002_managementtraining_quotatarget'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolRisk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('org_path', models.CharField(max_length=96)),
                ('high', models.PositiveIntegerField(default=0)),
                ('medium', models.PositiveIntegerField(default=0)),
                ('low', models.PositiveIntegerField(default=0)),
                ('computed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programs.program')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.school')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('high__gt', 0)), fields=['program', 'org_path'], name='school_risk_high')],
                'constraints': [models.UniqueConstraint(fields=('program', 'school'), name='one_school_risk_per_program')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
