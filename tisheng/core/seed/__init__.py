"""Deterministic seeded worlds for demos, tests and benchmarks (`tisheng seed`).

- `schools`: how many schools each county gets, their stage, name, setting and staff size;
- `teachers`: teachers as roster rows (names, national IDs, phones, ages, subjects, titles);
- `accounts`: teacher colleges, training institutions and the demo logins;
- `run`: all of it in order through the same services and bulk paths users' actions take.
"""

from tisheng.core.seed.accounts import DEMO_PASSWORD, DemoAccount, demo_accounts
from tisheng.core.seed.schools import SCALES

__all__ = ["DEMO_PASSWORD", "SCALES", "DemoAccount", "demo_accounts"]
