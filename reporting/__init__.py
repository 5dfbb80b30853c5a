"""Reporting: objectives, key results and targets, metrics over time, funnels, CSV/JSON
export and dashboard pages (overview.md). Reads every package below; writes only
objectives, key results and manual values."""
