from cairn.errors import CairnError, Conflict, NotFound, ValidationFailed


class InvalidIdentity(ValidationFailed):
    code = "invalid_identity"


class InvalidClaimToken(CairnError):
    """A mailed link that is not ours, or names nothing any more."""

    status, code = 400, "invalid_claim_token"


class ClaimTokenExpired(InvalidClaimToken):
    status, code = 410, "claim_token_expired"


class ClaimTokenUsed(InvalidClaimToken):
    status, code = 410, "claim_token_used"


class ClaimRace(Conflict):
    """Two links for one identity opened at the same moment; the loser's link still works."""

    code = "claim_race"


class PersonNotFound(NotFound):
    code = "person_not_found"


class IdentityTaken(Conflict):
    code = "identity_taken"


class IdentityNotVerified(ValidationFailed):
    code = "identity_not_verified"


class TooManyMails(CairnError):
    status, code = 429, "too_many_requests"
