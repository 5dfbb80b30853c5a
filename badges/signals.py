"""What the badges package tells packages above it (pathways, reporting) without
importing them."""

from blinker import Namespace

_signals = Namespace()

#: sent with the Assertion after the award is committed
badge_awarded = _signals.signal("badge-awarded")
#: sent with the Assertion after its revocation is committed
assertion_revoked = _signals.signal("assertion-revoked")
