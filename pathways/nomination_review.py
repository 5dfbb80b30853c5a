"""Staff pages to review nominations: the queue per issuer, one nomination with its
endorsements and objections, and the decision."""

from __future__ import annotations

from cairn.pages import staff_blueprint

bp = staff_blueprint("nomination_review", __name__)
