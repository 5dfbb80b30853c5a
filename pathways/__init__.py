"""Pathways: actions recorded from any system, milestones whose rules turn them into
badges, and nominations (overview.md)."""
