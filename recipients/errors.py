from cairn.errors import Unauthorized, ValidationFailed


class InvalidIdentity(ValidationFailed):
    code = "invalid_identity"


class InvalidClaimToken(Unauthorized):
    code = "invalid_claim_token"
