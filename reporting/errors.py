"""Errors of programs, objectives, key results and reports (stable codes, api.md)."""

from __future__ import annotations

from cairn.errors import Conflict, NotFound, ValidationFailed


class ProgramNotFound(NotFound):
    code = "program_not_found"


class ObjectiveNotFound(NotFound):
    code = "objective_not_found"


class KeyResultNotFound(NotFound):
    code = "key_result_not_found"


class ManualValueNotFound(NotFound):
    code = "manual_value_not_found"


class InvalidProgram(ValidationFailed):
    code = "invalid_program"


class InvalidObjective(ValidationFailed):
    code = "invalid_objective"


class InvalidReport(ValidationFailed):
    """Report parameters that parse but do not make sense together (an issuer outside the
    program, a badge class out of reach, `from` after `to`); `errors` names each
    parameter. The code stays `validation_failed`, as for a parameter that does not
    parse: to a client both are a bad parameter."""


class SlugTaken(Conflict):
    code = "slug_taken"


class NotManual(Conflict):
    code = "not_manual"
