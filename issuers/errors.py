from cairn.errors import CairnError, Forbidden, NotFound


class IssuerNotFound(NotFound):
    code = "issuer_not_found"


class KeyNotFound(NotFound):
    code = "key_not_found"


class RoleTooLow(Forbidden):
    code = "role_too_low"


class LastOwner(CairnError):
    status, code = 409, "last_owner"
