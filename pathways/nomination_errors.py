"""The errors of nominations, each with its stable code."""

from __future__ import annotations

from cairn.errors import Conflict, Forbidden, NotFound


class NominationNotFound(NotFound):
    code = "nomination_not_found"


class PolicyNotFound(NotFound):
    code = "nomination_policy_not_found"


class EndorsementNotFound(NotFound):
    code = "endorsement_not_found"


class NotAcceptingNominations(Conflict):
    code = "not_accepting_nominations"


class AlreadyNominated(Conflict):
    code = "already_nominated"


class AlreadyHeld(Conflict):
    code = "already_held"


class NominationClosed(Conflict):
    """Endorsing or withdrawing a nomination that is no longer open."""

    code = "nomination_closed"


class AlreadyDecided(Conflict):
    code = "already_decided"


class NotEnoughEndorsements(Conflict):
    code = "not_enough_endorsements"


class AlreadyValidated(Conflict):
    code = "already_validated"


class NotAValidator(Forbidden):
    code = "not_a_validator"


class OwnNomination(Forbidden):
    """The nominee and the nominator cannot validate the nomination."""

    code = "own_nomination"


class NotNominator(Forbidden):
    code = "not_nominator"
