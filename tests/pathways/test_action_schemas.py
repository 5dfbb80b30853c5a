"""The quick reader of well-formed actions accepts exactly what the ActionIn schema accepts,
and reads it the same way (anything else falls through to the schema and its messages)."""

import marshmallow as ma
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.action_schemas import ActionIn, _plain_action, load_actions

texts = st.one_of(st.text(min_size=0, max_size=3), st.just("x" * 101), st.just("x" * 201),
                  st.sampled_from(["crm", "crm-1", "partnership.closed", "ada@example.org"]),
                  st.none(), st.integers(), st.booleans())
times = st.one_of(st.sampled_from(["2025-11-01T10:00:00Z", "2025-11-01T10:00:00+02:00",
                                   "2025-11-01T10:00:00", "2025-11-01", "20251101T100000Z",
                                   "2025-11-01 10:00:00+00:00", "1969-12-31T23:59:59Z",
                                   "2999-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                                   "yesterday", ""]), st.none(), st.integers())
people = st.one_of(
    st.fixed_dictionaries({"identity": texts},
                          optional={"type": st.sampled_from(["email", "url", "did", "handle",
                                                             "telephone", "", None]),
                                    "name": texts}),
    texts, st.lists(texts, max_size=1))
properties = st.one_of(st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
                       st.just({"big": "x" * 20_000}), texts, st.lists(st.integers()))
WELL_FORMED = {"source": "crm", "id": "crm-1", "type": "partnership.closed",
               "person": {"type": "email", "identity": "ada@example.org"},
               "occurred_at": "2025-11-01T10:00:00Z", "properties": {"value": 5}}
CHANGES = {"source": texts, "id": texts, "type": texts, "person": people, "occurred_at": times,
           "properties": properties, "colour": texts,
           "retracts": st.fixed_dictionaries({"source": texts, "id": texts})}


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_quick_reader_agrees_with_the_schema(data):
    """Well-formed actions with one or two fields changed or left out."""
    item = dict(WELL_FORMED)
    for name in data.draw(st.sets(st.sampled_from(sorted(CHANGES)), max_size=2)):
        if data.draw(st.booleans()):
            item.pop(name, None)
        else:
            item[name] = data.draw(CHANGES[name])
    quick = _plain_action(item)
    try:
        loaded = ActionIn().load(item)
    except ma.ValidationError:
        assert quick is None
        return
    assert quick is None or quick == loaded


def test_a_well_formed_action_takes_the_quick_path():
    item = {"source": "crm", "id": "crm-1", "type": "partnership.closed",
            "person": {"identity": "ada@example.org"}, "occurred_at": "2025-11-01T12:00:00+02:00"}
    quick = _plain_action(item)
    assert quick is not None and quick == ActionIn().load(item)
    assert quick.occurred_at.isoformat() == "2025-11-01T10:00:00+00:00"
    assert load_actions(item)[0] == [quick]
