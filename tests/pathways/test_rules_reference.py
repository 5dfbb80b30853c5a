"""evaluate() against a brute-force reference on random rules and histories (issue 6).

The reference below is written from the semantics in pathways/rules.py's docstring and
shares nothing with it: it looks at every action for every count, and writes the windows
as half-open intervals of instants (a date `to` ends before the next midnight) rather than
as comparisons of days.
"""

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.rules import ActionFact, Facts, check_rule, evaluate

AS_OF = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
TYPES = ["a", "b"]
PROPERTIES = ["k", "n"]
VALUES = [0, 1, 1.0, 2.5, "1", "x", True, False, None]
BADGES = ["b1", "b2"]
MILESTONES = ["m1", "m2"]
WITHIN_DAYS = [1, 2, 3, 10]
SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# --- the reference -------------------------------------------------------------------------

def same_json(left, right):
    """JSON equality: numbers by value, everything else by kind and value; true is no 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if type(left) in (int, float) and type(right) in (int, float):
        return left == right
    return type(left) is type(right) and left == right


def meets(properties, name, condition):
    if name not in properties:
        return False
    value = properties[name]
    if "equals" in condition:
        return same_json(value, condition["equals"])
    if "in" in condition:
        return any(same_json(value, choice) for choice in condition["in"])
    return type(value) in (int, float) and value >= condition["at_least"]


def window(text, *, end):
    """[start, stop) of instants for one written bound."""
    if len(text) == 10:
        midnight = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        return midnight + timedelta(days=1) if end else midnight
    moment = datetime.fromisoformat(text)
    return moment + timedelta(microseconds=1) if end else moment


def reference_matching(rule, actions, as_of):
    found = set()
    for action in actions:
        withdrawn = any(other.retracts == action.id for other in actions)
        if action.retracts is not None or withdrawn or action.occurred_at > as_of:
            continue
        if action.type != rule["action"]:
            continue
        if "within_days" in rule and as_of - action.occurred_at >= timedelta(
                days=rule["within_days"]):
            continue
        if "between" in rule and not (window(rule["between"][0], end=False)
                                      <= action.occurred_at
                                      < window(rule["between"][1], end=True)):
            continue
        if all(meets(action.properties, name, condition)
               for name, condition in rule.get("where", {}).items()):
            found.add(action.id)
    return found


def reference(rule, facts, as_of):
    """(holds, the ids of the actions that met the rule)."""
    if "all" in rule or "any" in rule:
        results = [reference(child, facts, as_of) for child in rule.get("all", rule.get("any"))]
        holds = (all if "all" in rule else any)(result for result, _ in results)
        ids = set()
        for child_holds, child_ids in results:
            if child_holds:
                ids |= child_ids
        return holds, ids if holds else set()
    if "badge" in rule:
        return rule["badge"] in facts.badges, set()
    if "milestone" in rule:
        return rule["milestone"] in facts.milestones, set()
    matching = reference_matching(rule, facts.actions, as_of)
    holds = len(matching) >= rule.get("at_least", 1)
    return holds, matching if holds else set()


def all_matching(rule, facts, as_of):
    """Every countable action that some count in the rule matches."""
    if "all" in rule or "any" in rule:
        children = rule.get("all", rule.get("any"))
        return set().union(*(all_matching(child, facts, as_of) for child in children))
    return reference_matching(rule, facts.actions, as_of) if "action" in rule else set()


def depths(rule, depth=0):
    """The depth of each part of a rule, in rule order."""
    children = rule.get("all", rule.get("any", []))
    return [depth] + [each for child in children for each in depths(child, depth + 1)]


# --- random rules --------------------------------------------------------------------------

conditions = st.one_of(
    st.builds(lambda v: {"equals": v}, st.sampled_from(VALUES)),
    st.builds(lambda vs: {"in": vs}, st.lists(st.sampled_from(VALUES), min_size=1, max_size=4)),
    st.builds(lambda n: {"at_least": n}, st.sampled_from([0, 1, 1.5, 2])))


def anchors(jitter=st.just(0)):
    """Midnights and noons from 12 days before AS_OF (a Sunday noon) to 2 days after, give or
    take a second: the edges of every window a random rule can have."""
    return st.builds(
        lambda day, noon, seconds: datetime.combine(AS_OF.date() + timedelta(days=day),
                                                    time(12 if noon else 0), UTC)
        + timedelta(seconds=seconds),
        st.integers(-12, 2), st.booleans(), jitter)


@st.composite
def betweens(draw):
    """[from, to]: dates, UTC date-times or date-times with an offset, in order."""
    first, second = sorted(draw(st.lists(anchors(), min_size=2, max_size=2)))
    return [draw(written(first)), draw(written(second))]


def written(moment):
    return st.sampled_from([
        moment.date().isoformat(),
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        (moment + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")])


@st.composite
def counts(draw):
    rule = {"action": draw(st.sampled_from(TYPES))}
    if draw(st.booleans()):
        rule["at_least"] = draw(st.integers(1, 3))
    choice = draw(st.sampled_from(["none", "within_days", "between"]))
    if choice == "within_days":
        rule["within_days"] = draw(st.sampled_from(WITHIN_DAYS))
    elif choice == "between":
        rule["between"] = draw(betweens())
    if draw(st.booleans()):
        rule["where"] = draw(st.dictionaries(st.sampled_from(PROPERTIES), conditions,
                                             max_size=2))
    return rule


leaves = st.one_of(counts(), counts(), st.builds(lambda b: {"badge": b}, st.sampled_from(BADGES)),
                   st.builds(lambda m: {"milestone": m}, st.sampled_from(MILESTONES)))


def rules(depth=3):
    if depth == 1:
        return leaves
    children = st.lists(rules(depth - 1), min_size=1, max_size=3)
    return st.one_of(leaves, st.builds(lambda c: {"all": c}, children),
                     st.builds(lambda c: {"any": c}, children))


# --- random histories ----------------------------------------------------------------------

#: Anchors give or take a second, or exactly the start of a within_days window or AS_OF.
moments = st.one_of(anchors(st.sampled_from([0, -1, 1])), st.sampled_from(
    [AS_OF - timedelta(days=days) for days in WITHIN_DAYS] + [AS_OF]))
MISSING = object()
#: One action as drawn: type, moment, its two properties and what it retracts (mostly
#: nothing; otherwise any id of the history, itself or a retraction included).
rows = st.tuples(st.sampled_from(TYPES), moments,
                 st.sampled_from([*VALUES, MISSING, MISSING]),
                 st.sampled_from([*VALUES, MISSING, MISSING]),
                 st.sampled_from([None] * 70 + list(range(1, 15))))


def action(number, row):
    type, moment, k, n, retracts = row
    properties = {name: value for name, value in zip(PROPERTIES, (k, n), strict=True)
                  if value is not MISSING}
    return ActionFact(id=number, type=type, occurred_at=moment, properties=properties,
                      retracts=retracts)


histories = st.builds(
    lambda drawn, badges, milestones: Facts(
        actions=[action(number, row) for number, row in enumerate(drawn, start=1)],
        badges=frozenset(badges), milestones=frozenset(milestones)),
    st.lists(rows, min_size=2, max_size=14), st.sets(st.sampled_from(BADGES)),
    st.sets(st.sampled_from(MILESTONES)))


# --- the properties ------------------------------------------------------------------------

@SETTINGS
@given(rule=counts(), facts=histories)
def test_a_count_agrees_with_the_reference(rule, facts):
    outcome = evaluate(check_rule(rule), facts, AS_OF)
    holds, ids = reference(rule, facts, AS_OF)
    assert (outcome.holds, outcome.action_ids) == (holds, tuple(sorted(ids)))


@SETTINGS
@given(rule=rules(), facts=histories)
def test_nested_rules_agree_with_the_reference(rule, facts):
    normal = check_rule(rule)
    outcome = evaluate(normal, facts, AS_OF)
    holds, ids = reference(rule, facts, AS_OF)
    assert outcome.holds == holds
    assert outcome.action_ids == tuple(sorted(ids))
    assert set(outcome.action_ids) <= all_matching(rule, facts, AS_OF)
    assert outcome.holds or outcome.action_ids == ()


@SETTINGS
@given(rule=rules(), facts=histories)
def test_an_explanation_has_a_line_per_part_whatever_the_order_of_actions(rule, facts):
    normal = check_rule(rule)
    assert check_rule(normal) == normal
    outcome = evaluate(normal, facts, AS_OF)
    assert [line.depth for line in outcome.lines] == depths(rule)
    assert outcome.lines[0].holds == outcome.holds
    shuffled = Facts(actions=facts.actions[::-1], badges=facts.badges,
                     milestones=facts.milestones)
    assert evaluate(normal, shuffled, AS_OF) == outcome


def test_the_reference_reads_bounds_and_values_as_intended():
    assert window("2026-03-01", end=True) == datetime(2026, 3, 2, tzinfo=UTC)
    assert window("2026-03-01T10:00:00+02:00", end=False) == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert same_json(1, 1.0) and not same_json(1, True) and not same_json("1", 1)
    assert depths({"all": [{"badge": "b"}, {"any": [{"badge": "c"}]}]}) == [0, 1, 1, 2]
