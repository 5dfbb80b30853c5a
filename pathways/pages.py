"""Pages for program leads: build pathways, see milestone counts, review nominations."""

from __future__ import annotations

from cairn.pages import staff_blueprint

bp = staff_blueprint("pathway_pages", __name__)
