"""Issuing the verifiable credentials of 10,000 certificates in one process (one core): for each,
the holder's national ID decrypted (Fernet, as from a teacher's record), the Open Badges 3.0
document built, its salted ID hash, the eddsa-jcs-2022 proof (canonical JSON, two SHA-256, one
Ed25519 signature), status indexes taken and the rows bulk-inserted; then one revocation and the
status list credential signed again. The issue asks for < 60 s for 10,000.

Synthetic records (kind "bench", removed afterwards), so it runs on any migrated database:
`BENCH_STEPS=credentials scripts/pg.sh with .venv/bin/python bench/run.py` (after `seed`, or alone).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.certificates.credentials import services  # noqa: E402
from tisheng.certificates.credentials.models import Credential  # noqa: E402
from tisheng.certificates.credentials.records import Record  # noqa: E402
from tisheng.core import crypto, idcard  # noqa: E402

COUNT = int(os.getenv("BENCH_CREDENTIALS", "10000"))
LIMIT_S = 60.0
BATCH = 2000


def main() -> int:
    Credential.objects.filter(kind="bench").delete()
    encrypted = [crypto.encrypt(idcard.make("350102", dt.date(1980, 1, 1) + dt.timedelta(days=i % 9000), i % 1000))
                 for i in range(COUNT)]
    now = timezone.now()
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, COUNT, BATCH):
        records = [Record(kind="bench", object_id=i + 1, number=f"FJ2026-350102-{i + 1:06d}", name="结业证书",
                          achievement_code="FJ2026/completion", achievement_name="信息技术应用能力提升工程2.0 结业证书",
                          holder_name="林晓燕", id_masked="350102********1234",
                          national_id=crypto.decrypt(encrypted[i]), issued_at=now,
                          verify_url=f"https://px.fjedu.example.cn/verify/FJ2026-350102-{i + 1:06d}/7K3QM9XW2HV8RT5C",
                          issuer_names=["福建省教育厅", "福州市鼓楼区教育局"], hours=Decimal("55.00"))
                   for i in range(start, min(COUNT, start + BATCH))]
        services.credentials_issue_bulk(records)
    issued, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"credentials_issued_s={issued:.1f} cpu_s={cpu:.1f}", flush=True)
    one = Credential.objects.filter(kind="bench").order_by("pk").first()
    t1 = time.perf_counter()
    with transaction.atomic():
        services._set_bits(one.status_list, [one.status_index])
    services.status_list_credential(one.status_list.number)
    revoke_ms = (time.perf_counter() - t1) * 1000
    made = Credential.objects.filter(kind="bench").count()
    Credential.objects.filter(kind="bench").delete()
    print(f"bench_credentials: {made} credentials on {connection.vendor}")
    print(f"credentials_issue_s={issued:.1f} cpu_s={cpu:.1f} per_credential_ms={issued * 1000 / max(made, 1):.2f} "
          f"limit_s={LIMIT_S:.0f} {'OK' if issued < LIMIT_S and made == COUNT else 'OVER'} "
          f"(load average {os.getloadavg()[0]:.1f}; cpu_s is this process's, without the database server's)")
    print(f"credential_revoke_and_list_resign_ms={revoke_ms:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
