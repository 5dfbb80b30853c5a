from cairn.errors import CairnError, Conflict, NotFound, ValidationFailed


class BadgeClassNotFound(NotFound):
    code = "badge_class_not_found"


class AssertionNotFound(NotFound):
    code = "assertion_not_found"


class AlreadyRevoked(Conflict):
    code = "already_revoked"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


class InvalidAward(ValidationFailed):
    pass


class AssertionRevoked(CairnError):
    status, code = 410, "revoked"


class AlreadySuspended(Conflict):
    code = "already_suspended"


class NotSuspended(Conflict):
    code = "not_suspended"


class NotSuspendable(Conflict):
    code = "not_suspendable"
