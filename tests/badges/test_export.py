"""Award lists as CSV: every matching row, the same visibility as the JSON list, and no
cell that a spreadsheet would run as a formula."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest

from cairn.csvexport import cell

CSV = {"Accept": "text/csv"}
COLUMNS = ["id", "badge_class", "badge_name", "issuer", "recipient_type", "recipient", "name",
           "issued_on", "expires", "status", "revoked_at", "reason", "narrative", "page"]


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.get_data().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert reader.fieldnames == COLUMNS
    return rows


def runs_as_formula(value: str) -> bool:
    """What spreadsheets run: a formula sign first, possibly after spaces, or a tab or
    carriage return first."""
    return value.startswith(("\t", "\r")) or value.lstrip().startswith(("=", "+", "-", "@"))


def recipient(identity: str, name: str | None = "Ada") -> dict:
    return {"type": "email", "identity": identity, "name": name}


def test_export_lists_every_award_with_its_public_page(api, badge_class, issuer, award):
    response = api.get(f"/api/v1/badge-classes/{badge_class['id']}/assertions", headers=CSV)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="assertions-{badge_class["id"]}-')
    assert disposition.endswith('.csv"')
    assert response.headers["Cache-Control"] == "private, no-store"
    [row] = read_csv(response)
    assert row == {
        "id": award["id"], "badge_class": badge_class["id"],
        "badge_name": "Partnership Certified", "issuer": issuer["id"],
        "recipient_type": "email", "recipient": "ada@example.org", "name": "Ada",
        "issued_on": row["issued_on"], "expires": "", "status": "active", "revoked_at": "",
        "reason": "", "narrative": "Completed all modules.", "page": award["urls"]["page"]}
    assert datetime.fromisoformat(row["issued_on"]) == datetime.fromisoformat(award["issued_on"])


def test_formula_cells_come_out_as_text(api, badge_class, make_award):
    hyperlink = '=HYPERLINK("http://evil","x")'
    make_award(recipient=recipient("eve@example.org", hyperlink), narrative="+1 for effort")
    minus = make_award(recipient=recipient("mallory@example.org", " -2+3"),
                       narrative="@SUM(A1:A9)")
    api.post(f"/api/v1/assertions/{minus['id']}/revoke", json={"reason": "-cmd|' /C calc'!A0"})
    make_award(recipient=recipient("trent@example.org", "Trent"), narrative="\t=1+1")
    rows = read_csv(api.get(f"/api/v1/badge-classes/{badge_class['id']}/assertions",
                            headers=CSV))
    by_recipient = {row["recipient"]: row for row in rows}
    assert by_recipient["eve@example.org"]["name"] == "'" + hyperlink
    assert by_recipient["eve@example.org"]["narrative"] == "'+1 for effort"
    assert by_recipient["mallory@example.org"]["name"] == "' -2+3"
    assert by_recipient["mallory@example.org"]["narrative"] == "'@SUM(A1:A9)"
    assert by_recipient["mallory@example.org"]["reason"] == "'-cmd|' /C calc'!A0"
    assert by_recipient["trent@example.org"]["name"] == "Trent"
    assert by_recipient["trent@example.org"]["narrative"] == "'\t=1+1"
    assert not [value for row in rows for value in row.values() if runs_as_formula(value)]


@pytest.mark.parametrize(("value", "written"), [
    (-5, -5), (2.5, 2.5), (Decimal("-1.5"), Decimal("-1.5")), ("-5", "'-5"),
    ("=1+1", "'=1+1"), ("  @x", "'  @x"),
    ("\rx", "'\rx"), ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"), ("a=b", "a=b"), (None, ""),
    ("Zoë", "Zoë")])
def test_only_text_cells_are_neutralised(value, written):
    assert cell(value) == written


def test_export_reads_past_one_page(api, app, monkeypatch, badge_class, make_award):
    monkeypatch.setitem(app.config, "PAGE_MAX", 2)
    made = [make_award(recipient=recipient(f"person{n}@example.org"))["id"] for n in range(5)]
    rows = read_csv(api.get(f"/api/v1/badge-classes/{badge_class['id']}/assertions",
                            headers=CSV))
    assert [row["id"] for row in rows] == made[::-1]


def test_export_applies_the_list_filters(api, issuer, badge_class, make_badge_class,
                                         make_award):
    other_class = make_badge_class(name="Mentor")
    kept = make_award(recipient=recipient("grace@example.org"))
    revoked = make_award(recipient=recipient("alan@example.org"))
    api.post(f"/api/v1/assertions/{revoked['id']}/revoke", json={"reason": "Duplicate"})
    mentor = make_award(badge_class_id=other_class["id"])

    def ids(path: str) -> set[str]:
        return {row["id"] for row in read_csv(api.get(path, headers=CSV))}

    by_class = f"/api/v1/badge-classes/{badge_class['id']}/assertions"
    assert ids(by_class) == {kept["id"], revoked["id"]}
    assert ids(by_class + "?revoked=true") == {revoked["id"]}
    assert ids(by_class + "?recipient=grace@example.org") == {kept["id"]}
    by_issuer = f"/api/v1/issuers/{issuer['id']}/assertions"
    assert ids(by_issuer) == {kept["id"], revoked["id"], mentor["id"]}
    assert ids(by_issuer + f"?badge_class={other_class['id']}") == {mentor["id"]}
    assert ids("/api/v1/assertions?revoked=false") == {kept["id"], mentor["id"]}
    [row] = read_csv(api.get(by_class + "?revoked=true", headers=CSV))
    assert (row["status"], row["reason"]) == ("revoked", "Duplicate")
    assert datetime.fromisoformat(row["revoked_at"])


def test_json_stays_the_default_of_the_nested_lists(api, badge_class, issuer, award):
    for path in (f"/api/v1/badge-classes/{badge_class['id']}/assertions",
                 f"/api/v1/issuers/{issuer['id']}/assertions"):
        response = api.get(path)
        assert response.mimetype == "application/json"
        assert [item["id"] for item in response.json["items"]] == [award["id"]]


def test_another_issuers_staff_cannot_export(api, make_user, make_issuer, make_badge_class,
                                             make_award, badge_class, issuer, award):
    _, secret = make_user()
    other = api.with_token(secret)
    own_issuer = make_issuer(api_client=other, name="Other Org")
    own_class = make_badge_class(api_client=other, issuer_id=own_issuer["id"])
    own_award = make_award(api_client=other, badge_class_id=own_class["id"],
                           recipient=recipient("own@example.org"))
    for path in (f"/api/v1/badge-classes/{badge_class['id']}/assertions",
                 f"/api/v1/issuers/{issuer['id']}/assertions"):
        for headers in (CSV, None):
            response = other.get(path, headers=headers)
            assert response.status_code == 404
            assert response.json["code"].endswith("not_found")
    rows = read_csv(other.get("/api/v1/assertions", headers=CSV))
    assert [row["id"] for row in rows] == [own_award["id"]]


def test_a_token_without_read_scope_gets_an_error_not_a_csv(api, make_user, badge_class):
    _, secret = make_user(admin=True, scopes=["badges:award"])
    response = api.with_token(secret).get("/api/v1/assertions", headers=CSV)
    assert response.status_code == 403
    assert response.json["code"] == "insufficient_scope"
