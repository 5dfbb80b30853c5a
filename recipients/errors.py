from cairn.errors import ValidationFailed


class InvalidIdentity(ValidationFailed):
    code = "invalid_identity"
