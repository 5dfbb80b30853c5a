"""Award notifications: the mail telling a person they earned a badge, with a claim link.

The message is an outbox row written in the award's transaction (cairn/mail.py), so an
award and its notification commit together, and a mail server that is down delays the
mail without touching the award.
"""

from __future__ import annotations

from flask import current_app, render_template

from badges.documents import assertion_url, badge_class_url
from badges.models import Assertion
from cairn.mail import OutboxMessage, queue_mail
from recipients.claims import claim_url
from recipients.models import IdentityType


def queue_award_notification(assertion: Assertion) -> OutboxMessage | None:
    """Queue the mail for an award to an email identity; URL and DID recipients have no
    address to write to, so they get none."""
    identity = assertion.recipient
    if identity.type is not IdentityType.email:
        return None
    badge_class, issuer = assertion.badge_class, assertion.issuer
    subject = f"You've earned “{badge_class.name}” from {issuer.name}"
    context = {
        "subject": subject,
        "recipient_name": assertion.recipient_name,
        "badge_name": badge_class.name,
        "badge_description": badge_class.description,
        "issuer_name": issuer.name,
        # PNG whatever the class's image: most mail clients do not show SVG.
        "badge_image_url": f"{badge_class_url(badge_class.public_id)}/image.png",
        # The public page names the award by its public id, never by the address.
        "badge_page_url": assertion_url(assertion.public_id),
        "claim_url": claim_url(identity.id, assertion.public_id),
        "claim_days": current_app.config["CLAIM_TOKEN_MAX_AGE_DAYS"],
    }
    return queue_mail(identity.value, subject, render_template("mail/award.txt", **context),
                      render_template("mail/award.html", **context))
