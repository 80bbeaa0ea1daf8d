"""Time `tisheng seed --scale province` (≈12,000 schools, ≈450,000 teachers) on DATABASE_URL.

The database must be empty of schools and teachers (seeding refuses otherwise): run it on a
fresh one, e.g. `scripts/pg.sh with .venv/bin/python bench/bench_seed.py`. Migrates first,
then runs the real command in a subprocess (its progress goes to stderr) and prints
`seed_province_seconds=…` (the goal is under 600 on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TISHENG = str(ROOT / ".venv/bin/tisheng")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=("demo", "county", "province"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    env = dict(os.environ)
    subprocess.run([TISHENG, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    started = time.monotonic()
    done = subprocess.run([TISHENG, "seed", "--scale", args.scale, "--seed", str(args.seed)], env=env, cwd=ROOT,
                          stdout=sys.stderr)
    seconds = time.monotonic() - started
    if done.returncode:
        print(f"seed failed (exit {done.returncode})", file=sys.stderr)
        return done.returncode
    print(f"seed_{args.scale}_seconds={seconds:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
