"""Fremmødeanalyse for socialpsykiatriens aktivitets- og samværstilbud.

One sub-package per pipeline step, lower layers first (tests/test_architecture.py keeps it so):
`settings` (params, project, report set) → `reporting` (Danish formats, tables, figures, disclosure) →
`ingest` (raw files) → `cleaning` (the clean stage) → `demand` (occupancy, KPIs, model, staffing) →
`economy` → `tracks` (one package per report) → `synth` (demo data) → `pipeline` (CLI, runner, rendering,
leak guard). docs/architecture.md draws the map."""
