"""The rule language of milestones: what check_rule refuses (and where it says so), the
normal form it returns, each kind of rule at its edges, the actions an outcome records,
the explanations and the order of a pathway's milestones. No database."""

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pathways.rules import (
    ActionFact,
    Facts,
    Line,
    RuleError,
    check_rule,
    evaluate,
)

AS_OF = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
DATE_MESSAGE = "Must be a date like 2026-01-31 or a date-time like 2026-01-31T09:00:00Z."


def errors_of(rule, **kwargs):
    with pytest.raises(RuleError) as raised:
        check_rule(rule, **kwargs)
    return raised.value.errors


def act(id, at=AS_OF, type="mentoring.session", retracts=None, **properties):
    return ActionFact(id=id, type=type, occurred_at=at, properties=properties,
                      retracts=retracts)


def holds(rule, *actions, as_of=AS_OF, **facts):
    return evaluate(check_rule(rule), Facts(actions=list(actions), **facts), as_of).holds


def counted(rule, *actions, as_of=AS_OF):
    """The ids a single count rule counts (with at_least 1 it holds whenever any match)."""
    return evaluate(check_rule(rule), Facts(actions=list(actions)), as_of).action_ids


# --- what check_rule refuses ---------------------------------------------------------------

def test_unknown_keys_are_refused_where_they_are():
    errors = errors_of({"all": [{"badge": "b"}, {"action": "a", "atleast": 2,
                                                  "where": {"value": {"gt": 3}}}]})
    assert set(errors) == {"rule.all.1.atleast", "rule.all.1.where.value.gt"}
    assert errors["rule.all.1.where.value.gt"] == ["Unknown key; expected equals, in, at_least."]
    assert set(errors_of({"badge": "b", "note": "x"})) == {"rule.note"}
    assert set(errors_of({"any": [{"badge": "b"}], "why": 1})) == {"rule.why"}


@pytest.mark.parametrize(("key", "value"), [
    *[("at_least", value) for value in (0, -1, 1_000_001, True, "5", 2.5, None)],
    *[("within_days", value) for value in (0, -3, 36_501, "180", True)]])
def test_at_least_and_within_days_are_whole_numbers_from_one(key, value):
    assert set(errors_of({"action": "a", key: value})) == {f"rule.{key}"}
    assert check_rule({"action": "a", key: 1})[key] == 1


def test_within_days_and_between_together_are_refused():
    assert errors_of({"action": "a", "within_days": 30, "between": ["2026-01-01", "2026-02-01"]}
                     ) == {"rule": ["Give within_days or between, not both."]}


@pytest.mark.parametrize("bound", [
    "2026-02-30", "2026-13-01", "2026-1-01", "20260101", "2026-01-01T10:00:00",
    "2026-01-01 10:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01T10:00Z", "0000-01-01",
    "0001-01-01T00:00:00+01:00", "٢٠٢٦-01-01", "tomorrow", ""])
def test_bad_dates_are_refused_at_their_place(bound):
    assert errors_of({"action": "a", "between": ["2026-01-01", bound]}) == {
        "rule.between.1": [DATE_MESSAGE]}


@pytest.mark.parametrize("between", [["2026-01-01"], ["2026-01-01"] * 3, "2026-01-01", [1, 2]])
def test_between_is_a_pair_of_strings(between):
    errors = errors_of({"action": "a", "between": between})
    assert set(errors) <= {"rule.between", "rule.between.0", "rule.between.1"}


@pytest.mark.parametrize(("start", "end", "allowed"), [
    ("2026-03-01", "2026-03-01", True), ("2026-03-02", "2026-03-01", False),
    ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z", True),
    ("2026-03-01T10:00:00Z", "2026-03-01T09:59:59Z", False),
    ("2026-03-01T23:59:59Z", "2026-03-01", True), ("2026-03-02T00:00:00Z", "2026-03-01", False),
    ("2026-03-01", "2026-03-01T00:00:00Z", True), ("2026-03-02", "2026-03-01T23:59:59Z", False),
    ("2026-03-01T01:59:59+02:00", "2026-02-28", True),
    ("2026-03-01T02:00:00+02:00", "2026-02-28", False)])
def test_the_start_may_not_be_after_the_end(start, end, allowed):
    rule = {"action": "a", "between": [start, end]}
    if allowed:
        assert check_rule(rule)["between"]
    else:
        assert errors_of(rule) == {"rule.between": ["The start may not be after the end."]}


@pytest.mark.parametrize("kind", ["all", "any"])
def test_all_and_any_need_at_least_one_rule(kind):
    assert errors_of({kind: []}) == {f"rule.{kind}": ["Must be a list of 1 to 200 rules."]}
    assert set(errors_of({kind: {"badge": "b"}})) == {f"rule.{kind}"}


def test_rules_nest_at_most_eight_levels():
    nested = [{"badge": "b"}]
    for _ in range(8):
        nested.append({"all": [nested[-1]]})
    assert check_rule(nested[7]) == nested[7]
    assert errors_of(nested[8]) == {
        "rule" + ".all.0" * 8: ["Rules nest at most 8 levels deep."]}


def test_a_rule_has_at_most_two_hundred_parts():
    assert check_rule({"any": [{"badge": str(n)} for n in range(199)]})
    assert errors_of({"any": [{"all": [{"badge": str(n)} for n in range(100)]}] * 2}) == {
        "rule": ["A rule has at most 200 parts."]}


@pytest.mark.parametrize(("rule", "path"), [
    ({"action": 5}, "rule.action"), ({"action": ""}, "rule.action"),
    ({"badge": ""}, "rule.badge"), ({"badge": 7}, "rule.badge"),
    ({"milestone": None}, "rule.milestone"),
    ({"where": []}, "rule.where"), ({"where": {"k": 1}}, "rule.where.k"),
    ({"where": {"k": {}}}, "rule.where.k"), ({"where": {"k": {"in": "x"}}}, "rule.where.k.in"),
    ({"where": {"k": {"in": []}}}, "rule.where.k.in"),
    ({"where": {"k": {"in": [1, [2]]}}}, "rule.where.k.in.1"),
    ({"where": {"k": {"equals": {"x": 1}}}}, "rule.where.k.equals"),
    ({"where": {"k": {"at_least": "5"}}}, "rule.where.k.at_least"),
    ({"where": {"k": {"at_least": True}}}, "rule.where.k.at_least"),
    ({"where": {"": {"equals": 1}}}, "rule.where")])
def test_wrong_types_are_refused_at_their_path(rule, path):
    assert set(errors_of(rule if "where" not in rule else {"action": "a", **rule})) == {path}


def test_a_condition_takes_exactly_one_operator():
    assert errors_of({"action": "a", "where": {"value": {"equals": 1, "at_least": 1}}}) == {
        "rule.where.value": ['Must be one condition: {"equals": value}, {"in": [value, ...]} '
                             'or {"at_least": number}.']}


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_numbers_in_conditions_must_be_finite(number):
    assert errors_of({"action": "a", "where": {"v": {"in": [1, number]}}}) == {
        "rule.where.v.in": ["Numbers must be finite."]}
    assert set(errors_of({"action": "a", "where": {"v": {"at_least": number}}})) == {
        "rule.where.v.at_least"}


NOT_A_RULE = "Must be a rule: an object with one of all, any, action, badge or milestone."


@pytest.mark.parametrize(("rule", "errors"), [
    *[(rule, {"rule": [NOT_A_RULE]}) for rule in (5, "badge", [], None, {}, {"rules": []})],
    ({"any": [{"badge": "a", "milestone": "b"}]}, {"rule.any.0": [
        "A rule takes one of all, any, action, badge or milestone, not several."]})])
def test_anything_but_an_object_of_one_kind_of_rule_is_refused(rule, errors):
    assert errors_of(rule) == errors


def test_every_problem_is_reported_at_once_under_the_given_path():
    errors = errors_of({"all": [{"action": "a", "at_least": 0}, {"badge": ""}, 3]},
                       path="milestones.2.rule")
    assert set(errors) == {"milestones.2.rule.all.0.at_least", "milestones.2.rule.all.1.badge",
                           "milestones.2.rule.all.2"}
    with pytest.raises(ValueError, match="not valid"):
        check_rule({"badge": ""})


# --- the normal form -----------------------------------------------------------------------

def test_check_rule_fills_defaults_and_writes_dates_the_same_way():
    rule = {"any": [
        {"action": "a", "within_days": 30.0,
         "where": {"z": {"in": [1, "x"]}, "a": {"equals": None}}},
        {"action": "b", "at_least": 2.0, "where": {},
         "between": ["2026-01-01t10:00:00.5+02:00", "2026-03-31"]},
        {"badge": "mentor"}, {"milestone": "certified"}]}
    original = copy.deepcopy(rule)
    normal = check_rule(rule)
    assert normal == {"any": [
        {"action": "a", "at_least": 1, "within_days": 30,
         "where": {"a": {"equals": None}, "z": {"in": [1, "x"]}}},
        {"action": "b", "at_least": 2, "between": ["2026-01-01T08:00:00.500000Z", "2026-03-31"]},
        {"badge": "mentor"}, {"milestone": "certified"}]}
    assert list(normal["any"][0]["where"]) == ["a", "z"]
    assert rule == original
    assert check_rule(normal) == normal
    assert json.loads(json.dumps(normal)) == normal


# --- counts at their edges -----------------------------------------------------------------

def test_at_least_counts_matching_actions():
    rule = {"action": "mentoring.session", "at_least": 3}
    sessions = [act(n, AS_OF - timedelta(days=n)) for n in range(1, 4)]
    assert holds(rule, *sessions)
    assert not holds(rule, *sessions[:2], act(9, type="other"))


def test_within_days_excludes_an_action_exactly_n_days_old():
    rule = {"action": "mentoring.session", "within_days": 7}
    tick = timedelta(microseconds=1)
    assert not holds(rule, act(1, AS_OF - timedelta(days=7)))
    assert holds(rule, act(1, AS_OF - timedelta(days=7) + tick))
    assert holds(rule, act(1, AS_OF))
    assert not holds(rule, act(1, AS_OF + tick))


def test_between_dates_includes_both_whole_days_in_utc():
    rule = {"action": "mentoring.session", "between": ["2026-01-01", "2026-01-31"]}
    tick = timedelta(microseconds=1)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    assert counted(rule, act(1, start), act(2, start - tick), act(3, end - tick), act(4, end)
                   ) == (1, 3)
    plus_two = timezone(timedelta(hours=2))
    assert counted(rule, act(5, datetime(2026, 2, 1, 1, 0, tzinfo=plus_two))) == (5,)


def test_between_date_times_includes_both_instants():
    rule = {"action": "mentoring.session",
            "between": ["2026-01-01T09:00:00Z", "2026-01-01T17:00:00+01:00"]}
    nine, four = datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 1, 16, tzinfo=UTC)
    second = timedelta(seconds=1)
    assert counted(rule, act(1, nine), act(2, nine - second), act(3, four), act(4, four + second)
                   ) == (1, 3)


def test_actions_after_as_of_never_count():
    future = act(1, AS_OF + timedelta(seconds=1))
    assert not holds({"action": "mentoring.session"}, future)
    assert not holds({"action": "mentoring.session", "between": ["2026-01-01", "2026-12-31"]},
                     future)
    assert holds({"action": "mentoring.session"}, future, as_of=AS_OF + timedelta(days=1))


def test_a_retracted_action_and_its_retraction_never_count():
    rule = {"action": "mentoring.session"}
    assert not holds(rule, act(1), act(2, retracts=1))
    assert not holds(rule, act(2, retracts=99))
    assert counted(rule, act(1), act(2, AS_OF - timedelta(days=1)), act(3, retracts=2)) == (1,)
    # Even when recorded after as_of; and retracting the retraction restores nothing.
    assert not holds(rule, act(1), act(2, AS_OF + timedelta(days=30), retracts=1))
    assert not holds(rule, act(1), act(2, retracts=1), act(3, retracts=2))


@pytest.mark.parametrize(("condition", "matching"), [
    ({"equals": 1}, {"int 1", "float 1.0"}), ({"equals": 1.0}, {"int 1", "float 1.0"}),
    ({"equals": "1"}, {"string 1"}), ({"equals": True}, {"true"}),
    ({"equals": False}, {"false"}), ({"equals": 0}, {"int 0"}), ({"equals": None}, {"null"}),
    ({"in": [0, "1", None]}, {"int 0", "string 1", "null"}),
    ({"at_least": 1}, {"int 1", "float 1.0", "int 7"}),
    ({"at_least": 0.5}, {"int 1", "float 1.0", "int 7"}),
    ({"at_least": -1}, {"int 0", "int 1", "float 1.0", "int 7"})])
def test_conditions_compare_json_values_exactly(condition, matching):
    values = {"int 1": 1, "float 1.0": 1.0, "string 1": "1", "true": True, "false": False,
              "int 0": 0, "null": None, "int 7": 7, "list": [1], "object": {"a": 1}}
    actions = [act(n, value=value) for n, value in enumerate(values.values())]
    actions.append(act(len(actions)))
    names = list(values) + ["missing"]
    ids = counted({"action": "mentoring.session", "where": {"value": condition}}, *actions)
    assert {names[n] for n in ids} == matching


def test_every_condition_of_where_must_hold():
    rule = {"action": "mentoring.session",
            "where": {"kr": {"equals": "O1-KR1"}, "minutes": {"at_least": 30}}}
    assert counted(rule, act(1, kr="O1-KR1", minutes=45), act(2, kr="O1-KR1", minutes=20),
                   act(3, kr="O1-KR2", minutes=60), act(4, kr="O1-KR1")) == (1,)


def test_badges_and_milestones_are_looked_up_in_the_facts():
    assert holds({"badge": "b1"}, badges=frozenset({"b1"}))
    assert not holds({"badge": "b1"}, badges=frozenset({"b2"}), milestones=frozenset({"b1"}))
    assert holds({"milestone": "m1"}, milestones=frozenset({"m1"}))
    assert not holds({"milestone": "m1"}, badges=frozenset({"m1"}))
    with pytest.raises(ValueError, match="timezone"):
        evaluate({"badge": "b"}, Facts(actions=[]), datetime(2026, 1, 1))


def test_all_needs_every_rule_and_any_needs_one():
    yes, no = {"badge": "yes"}, {"badge": "no"}
    facts = {"badges": frozenset({"yes"})}
    assert holds({"all": [yes, yes]}, **facts) and not holds({"all": [yes, no]}, **facts)
    assert holds({"any": [no, yes]}, **facts) and not holds({"any": [no, no]}, **facts)
    assert holds({"any": [no, {"all": [yes, {"any": [yes, no]}]}]}, **facts)


# --- the actions that met the rule ---------------------------------------------------------

def test_a_count_that_holds_records_every_matching_action_sorted_and_else_none():
    rule = {"action": "mentoring.session", "at_least": 2}
    assert counted(rule, act(7), act(3), act(5, type="other"), act(4, kr="x")) == (3, 4, 7)
    assert counted(rule, act(1)) == ()
    assert counted({"all": [{"action": "mentoring.session"}, {"badge": "b"}]}, act(1)) == ()


def test_any_records_only_the_rules_that_hold_and_all_the_union_of_its_rules():
    rule = check_rule({"any": [
        {"action": "mentoring.session", "at_least": 2},
        {"action": "partnership.closed"},
        {"all": [{"action": "talk.given"}, {"badge": "b"}]}]})
    actions = [act(1), act(2, type="partnership.closed"), act(3, type="talk.given")]
    outcome = evaluate(rule, Facts(actions=actions, badges=frozenset({"b"})), AS_OF)
    assert outcome.action_ids == (2, 3)
    assert counted({"all": [{"action": "mentoring.session"}, {"action": "mentoring.session",
                                                           "where": {"kr": {"equals": "x"}}}]},
                   act(2, kr="x"), act(1)) == (1, 2)


# --- explanations --------------------------------------------------------------------------

def test_an_explanation_has_one_line_per_part_in_rule_order():
    rule = check_rule({"all": [
        {"action": "mentoring.session", "at_least": 5, "within_days": 180,
         "where": {"kr": {"equals": "O1-KR1"}}},
        {"badge": "b-mentor"},
        {"any": [{"milestone": "certified"},
                 {"action": "partnership.closed", "between": ["2026-01-01", "2026-03-31"]}]}]})
    actions = [act(1, kr="O1-KR1"), act(2, kr="O1-KR1"), act(3, kr="O1-KR2"),
               act(4, type="partnership.closed", at=datetime(2026, 2, 2, tzinfo=UTC))]
    outcome = evaluate(rule, Facts(actions=actions, badges=frozenset({"b-mentor"})), AS_OF,
                       names={"b-mentor": "Mentor", "certified": "Certified"})
    assert outcome.lines == (
        Line(0, False, "all of:"),
        Line(1, False, "2 of 5 mentoring.session with kr = O1-KR1 in the last 180 days"),
        Line(1, True, "holds Mentor"),
        Line(1, True, "any of:"),
        Line(2, False, "has not reached “Certified”"),
        Line(2, True, "1 of 1 partnership.closed between 1 Jan 2026 and 31 Mar 2026"))
    assert not outcome.holds


def test_names_stand_in_for_keys_and_ids_which_show_when_unnamed():
    rule = check_rule({"any": [{"badge": "b1"}, {"milestone": "m1"},
                               {"action": "talk.given", "within_days": 1}]})
    facts = Facts(actions=[], milestones=frozenset({"m1"}))
    texts = [line.text for line in evaluate(rule, facts, AS_OF,
                                            names={"talk.given": "talks"}).lines]
    assert texts == ["any of:", "does not hold b1", "reached “m1”", "0 of 1 talks in the last day"]


@pytest.mark.parametrize(("count", "text"), [
    ({"at_least": 2}, "3 of 2 t"),
    ({"where": {"kr": {"in": ["O1-KR1", "O1-KR2", "O2-KR1"]}}},
     "0 of 1 t with kr = O1-KR1, O1-KR2 or O2-KR1"),
    ({"where": {"value": {"at_least": 5000}, "kr": {"in": ["A"]}}},
     "0 of 1 t with kr = A and value ≥ 5000"),
    ({"where": {"code": {"equals": "1"}, "remote": {"equals": True}, "x": {"equals": ""}}},
     '0 of 1 t with code = "1" and remote = true and x = ""'),
    ({"between": ["2026-03-01", "2026-03-01"]}, "0 of 1 t on 1 Mar 2026"),
    ({"between": ["2026-03-01T09:30:00Z", "2026-03-01T17:00:05+01:00"]},
     "0 of 1 t between 1 Mar 2026 09:30 UTC and 1 Mar 2026 16:00:05 UTC"),
    ({"at_least": 3, "within_days": 30}, "0 of 3 t in the last 30 days")])
def test_count_lines_read_well(count, text):
    """Three actions of type t, none of them with properties: only a bare count holds."""
    actions = [act(n, AS_OF - timedelta(days=60), type="t") for n in range(3)]
    outcome = evaluate(check_rule({"action": "t", **count}), Facts(actions=actions), AS_OF)
    assert outcome.lines == (Line(0, text.startswith("3"), text),)
