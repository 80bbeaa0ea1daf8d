"""Writes for programs.

- `programs`: programs from presets, copies, rule-set edits, quota targets, training records,
  the demo programs of `tisheng seed`.
- `enrollment`: rollout batches, `batch_enroll`, `enrollment_sync_for_schools` (hires and
  transfers), the automatic retirement exemptions.
- `exemptions`: manual exemptions requested by a school and decided by the county.
- `review`: the review chain (结业审核).
"""
