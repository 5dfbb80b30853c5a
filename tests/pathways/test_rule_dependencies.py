"""What a rule depends on, and the order in which a pathway's milestones are evaluated:
after the milestones they refer to, with unknown references and circles refused."""

import pytest

from pathways.rules import Dependencies, RuleError, check_rule, dependencies, milestone_order


def test_dependencies_collects_every_reference():
    rule = check_rule({"all": [{"action": "a"}, {"any": [{"badge": "b"}, {"milestone": "m"},
                                                         {"all": [{"action": "c"}]}]}]})
    assert dependencies(rule) == Dependencies(
        action_types=frozenset({"a", "c"}), badges=frozenset({"b"}), milestones=frozenset({"m"}))
    assert dependencies({"badge": "x"}) == Dependencies(frozenset(), frozenset({"x"}), frozenset())


def test_milestones_come_after_those_they_refer_to_and_otherwise_keep_their_order():
    rules = {"level-3": {"all": [{"milestone": "level-2"}, {"action": "a", "at_least": 9}]},
             "intro": {"badge": "b"}, "level-1": {"action": "a"},
             "level-2": {"any": [{"milestone": "level-1"}, {"milestone": "intro"}]},
             "solo": {"action": "z"}}
    assert milestone_order(rules) == ["intro", "level-1", "level-2", "level-3", "solo"]
    assert milestone_order({}) == []


def test_a_reference_to_an_unknown_milestone_is_refused():
    with pytest.raises(RuleError) as raised:
        milestone_order({"a": {"badge": "b"},
                         "c": {"any": [{"milestone": "z"}, {"milestone": "y"}]}})
    assert raised.value.errors == {"milestones.c.rule": [
        "No milestone 'y' in this pathway.", "No milestone 'z' in this pathway."]}


@pytest.mark.parametrize(("rules", "errors"), [
    ({"a": {"milestone": "a"}}, {"milestones.a.rule": ["a → a"]}),
    ({"a": {"milestone": "b"}, "b": {"milestone": "a"}}, {"milestones.a.rule": ["a → b → a"]}),
    ({"x": {"badge": "b"}, "c": {"milestone": "a"}, "a": {"milestone": "b"},
      "b": {"all": [{"milestone": "c"}, {"milestone": "x"}]}},
     {"milestones.c.rule": ["c → a → b → c"]}),
    ({"up": {"milestone": "a"}, "a": {"milestone": "b"}, "b": {"milestone": "a"},
      "s": {"milestone": "s"}},
     {"milestones.a.rule": ["a → b → a"], "milestones.s.rule": ["s → s"]})])
def test_milestones_that_refer_to_each_other_in_a_circle_are_refused(rules, errors):
    with pytest.raises(RuleError) as raised:
        milestone_order(rules)
    assert raised.value.errors == {
        path: [f"Milestones refer to each other in a circle: {circle}."
               for circle in circles] for path, circles in errors.items()}
