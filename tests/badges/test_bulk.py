"""Bulk awards: CSV and JSON rows, the preview, the job, and its safety when re-run."""

import io
import time

import pytest
import sqlalchemy as sa

from badges.batch import award_batch
from badges.models import Assertion
from badges.tasks import batch_item, job_actor, run_bulk_award
from cairn.db import db
from cairn.job_parts import claim_part, report_part
from cairn.jobs import JobPart, update_job
from tests.cairn.test_errors import assert_error
from tests.conftest import ApiClient, png_bytes


def count_assertions():
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assertion))


def bulk_path(badge_class, query=""):
    return f"/api/v1/badge-classes/{badge_class['id']}/assertions/bulk{query}"


def upload(api, badge_class, content: bytes, query="", **form):
    data = {"file": (io.BytesIO(content), "awards.csv", "text/csv"), **form}
    return api.post(bulk_path(badge_class, query), data=data,
                    content_type="multipart/form-data")


def row(email, name=None, **extra):
    return {"recipient": {"type": "email", "identity": email, "name": name}, **extra}


def wait_done(api, job_id, seconds=120, worker=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker is not None and worker.poll() is not None:
            raise AssertionError(f"the Celery worker exited with {worker.returncode}")
        job = api.get(f"/api/v1/jobs/{job_id}").json
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job still {job['status']} after {seconds} s: {job}")


def csv_of(lines, delimiter=",", bom=False):
    text = "\r\n".join(delimiter.join(cells) for cells in lines) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


HEADER = ["email", "name", "evidence_url", "narrative"]


def test_csv_with_bom_and_semicolons_is_read_and_awarded(api, badge_class):
    content = csv_of([HEADER, ["ada@example.org", "Ada Lovelace", "https://example.org/e/1",
                               "Closed a partnership, at last"],
                      ["grace@example.org", "Grace", "", ""]], delimiter=";", bom=True)
    preview = upload(api, badge_class, content, "?dry_run=true")
    assert preview.status_code == 200, preview.json
    assert preview.json["valid"] == 2 and preview.json["invalid"] == 0
    first = preview.json["rows"][0]["data"]
    assert first["recipient"]["name"] == "Ada Lovelace"
    assert first["evidence"] == [{"url": "https://example.org/e/1"}]
    assert first["narrative"] == "Closed a partnership, at last"
    assert count_assertions() == 0  # a preview awards nothing

    response = upload(api, badge_class, content)
    assert response.status_code == 202, response.json
    job = wait_done(api, response.json["id"])
    assert job["status"] == "done" and job["done"] == job["total"] == 2
    assert count_assertions() == 2


def test_200_rows_with_3_bad_preview_then_skip_invalid_awards_197(api, badge_class):
    lines = [HEADER] + [[f"person{i}@example.org", f"Person {i}", "", ""] for i in range(200)]
    lines[11] = ["not-an-email", "Bad Email", "", ""]
    lines[51] = ["formula@example.org", '=HYPERLINK("https://evil.example")', "", ""]
    lines[101] = ["Person1@Example.org", "Again", "", ""]  # same person as row 2
    content = csv_of(lines)

    preview = upload(api, badge_class, content, "?dry_run=true").json
    assert (preview["total"], preview["valid"], preview["invalid"]) == (200, 197, 3)
    bad = {r["row"]: r["errors"] for r in preview["rows"] if not r["valid"]}
    assert set(bad) == {11, 51, 101}
    assert "identity" in bad[11]["recipient"]
    assert "formula" in bad[51]["recipient"]["name"][0]
    assert "row 2" in bad[101]["recipient"]["identity"][0]

    refused = upload(api, badge_class, content)
    body = assert_error(refused, 422, "invalid_rows")
    assert set(body["errors"]["rows"]) == {"11", "51", "101"}
    assert count_assertions() == 0

    response = upload(api, badge_class, content, skip_invalid="true")
    assert response.status_code == 202, response.json
    assert response.json["status"] in ("queued", "running", "done")
    job = wait_done(api, response.json["id"])
    assert job["status"] == "done", job
    assert job["done"] == job["total"] == 197
    assert job["errors"] == []
    assert job["result"]["awarded"] == 197 and job["result"]["skipped_invalid"] == 3
    assert count_assertions() == 197


def test_json_rows_and_running_the_task_twice_creates_no_duplicates(api, badge_class, app,
                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    rows = [row(f"p{i}@example.org", f"P {i}",
                evidence=[{"url": f"https://example.org/{i}", "narrative": "Did it"}],
                narrative="Cohort 7") for i in range(5)]
    response = api.post(bulk_path(badge_class), json={"rows": rows})
    assert response.status_code == 202, response.json
    job_id = response.json["id"]
    assert response.json["status"] == "queued" and response.json["total"] == 5

    run_bulk_award(job_id)
    assert count_assertions() == 5
    update_job(job_id, status="running", done=2)  # as if the process died mid-job
    run_bulk_award(job_id)
    run_bulk_award(job_id)  # a finished job is left alone
    assert count_assertions() == 5
    job = api.get(f"/api/v1/jobs/{job_id}").json
    assert job["status"] == "done" and job["done"] == 5
    assert job["result"]["awarded"] == 5 and job["result"]["already_held"] == 0


def test_a_crash_after_some_rows_finishes_without_duplicates(api, badge_class, app,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    monkeypatch.setitem(app.config, "JOBS_PART_SIZE", 3)
    monkeypatch.setitem(app.config, "BULK_BATCH_SIZE", 2)
    rows = [row(f"c{i}@example.org") for i in range(6)]
    job_id = api.post(bulk_path(badge_class), json={"rows": rows}).json["id"]
    run_bulk_award(job_id, 0)  # the first part runs to its end
    assert count_assertions() == 3
    assert api.get(f"/api/v1/jobs/{job_id}").json["done"] == 3
    # The second part's worker commits its first batch (rows 4 and 5), then dies.
    job, part = claim_part(job_id, 1)
    committed = [batch_item(job, payload) for payload in job.payload["rows"][3:5]]
    award_batch(job_actor(job), badge_class["id"], committed)
    assert count_assertions() == 5
    run_bulk_award(job_id)  # restarted: runs the unfinished part again
    assert count_assertions() == 6
    identities = db.session.scalars(sa.select(Assertion.recipient_identity_id)).all()
    assert len(set(identities)) == 6
    job = api.get(f"/api/v1/jobs/{job_id}").json
    assert job["status"] == "done" and job["done"] == 6
    assert job["result"]["awarded"] == 6 and job["result"]["already_held"] == 0


def test_a_job_whose_parts_all_finished_before_a_crash_is_settled(api, badge_class, app,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    job_id = api.post(bulk_path(badge_class), json={"rows": [row("s@example.org")]}).json["id"]
    job, _ = claim_part(job_id, 0)
    report_part(job, 0, done=1, counts={"awarded": 0}, errors=[], finished=False)
    # Its part is marked done but the process dies before the job is: a restart settles it.
    db.session.execute(sa.update(JobPart).values(status="done"))
    db.session.commit()
    run_bulk_award(job_id)
    job = api.get(f"/api/v1/jobs/{job_id}").json
    assert job["status"] == "done" and job["done"] == 1


def test_someone_who_already_holds_the_badge_is_skipped(api, badge_class, make_award):
    make_award()  # ada@example.org holds it
    response = api.post(bulk_path(badge_class), json={
        "rows": [row("ADA@example.org", "Ada"), row("grace@example.org", "Grace")]})
    job = wait_done(api, response.json["id"])
    assert job["status"] == "done"
    assert job["result"]["awarded"] == 1 and job["result"]["already_held"] == 1
    assert count_assertions() == 2


def test_excel_sep_line_and_empty_trailing_columns_are_accepted(api, badge_class):
    content = b"sep=;\r\nemail;name;;\r\nada@example.org;Ada;;\r\n\r\ngrace@example.org;;;\r\n"
    preview = upload(api, badge_class, content, "?dry_run=true")
    assert preview.status_code == 200, preview.json
    assert [r["data"]["recipient"]["identity"] for r in preview.json["rows"]] == [
        "ada@example.org", "grace@example.org"]
    assert preview.json["valid"] == 2


@pytest.mark.parametrize("content, message", [
    (b"email,name\r\n", "no rows"),
    (b"email,email\r\nada@example.org,x@example.org\r\n", "header"),
    (png_bytes(), "binary"),
    ("name,email\r\nAda,ada@example.org\r\n".encode("utf-16"), "binary"),
    ("email,name\r\nzoë@example.org,Zoë\r\n".encode("latin-1"), "UTF-8"),
    (b"ada@example.org,Ada\r\n", "header"),
    (b"", "header"),
    (b"email,name,shoe_size\r\nada@example.org,Ada,42\r\n", "header"),
])
def test_a_file_that_is_not_a_bulk_csv_gets_a_clear_answer(api, badge_class, content,
                                                           message):
    body = assert_error(upload(api, badge_class, content), 422, "invalid_bulk_file")
    assert message in body["message"]


def test_too_many_rows_is_refused(api, badge_class, app, monkeypatch):
    monkeypatch.setitem(app.config, "BULK_MAX_ROWS", 5)
    content = csv_of([HEADER] + [[f"p{i}@example.org", "", "", ""] for i in range(6)])
    body = assert_error(upload(api, badge_class, content), 422, "too_many_rows")
    assert "at most 5" in body["message"]
    body = assert_error(api.post(bulk_path(badge_class), json={
        "rows": [row(f"p{i}@example.org") for i in range(6)]}), 422, "too_many_rows")
    assert count_assertions() == 0


def test_a_50_mb_upload_is_413(api, badge_class):
    response = upload(api, badge_class, b"email\r\n" + b"a" * (50 * 1024 * 1024))
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("name", ["=HYPERLINK(\"https://x\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\tTab", "\rCR"])
def test_formula_cells_in_names_are_refused(api, badge_class, name):
    preview = api.post(bulk_path(badge_class, "?dry_run=true"),
                       json={"rows": [row("ada@example.org", name)]}).json
    assert preview["invalid"] == 1
    assert "formula" in preview["rows"][0]["errors"]["recipient"]["name"][0]


def test_duplicate_emails_and_bad_json_rows_are_flagged(api, badge_class):
    preview = api.post(bulk_path(badge_class, "?dry_run=true"), json={"rows": [
        row("ada@example.org"), row(" Ada@Example.ORG "), "not a row",
        row("grace@example.org", evidence=[{"url": "ftp://nope"}]), {"recipient": {}}]}).json
    errors = {r["row"]: r["errors"] for r in preview["rows"]}
    assert errors[1] == {}
    assert "Duplicate" in errors[2]["recipient"]["identity"][0]
    assert "row" in errors[3]
    assert "evidence" in errors[4]
    assert "recipient" in errors[5]
    body = assert_error(api.post(bulk_path(badge_class), json={"nope": 1}), 422,
                        "invalid_bulk_file")
    assert "rows" in body["errors"]


def test_idempotency_key_returns_the_first_job(api, badge_class, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    body = {"rows": [row("ada@example.org")]}
    first = api.post(bulk_path(badge_class), json=body, headers={"Idempotency-Key": "k"})
    again = api.post(bulk_path(badge_class), json=body, headers={"Idempotency-Key": "k"})
    assert first.json["id"] == again.json["id"]
    other = api.post(bulk_path(badge_class), json={"rows": [row("bob@example.org")]},
                     headers={"Idempotency-Key": "k"})
    assert_error(other, 409, "idempotency_key_reused")


def test_authorisation(api, client, badge_class, make_user, make_issuer, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "manual")
    body = {"rows": [row("ada@example.org")]}
    assert_error(api.with_token(None).post(bulk_path(badge_class), json=body), 401,
                 "unauthorized")
    job_id = api.post(bulk_path(badge_class), json=body).json["id"]
    assert_error(api.with_token(None).get(f"/api/v1/jobs/{job_id}"), 401, "unauthorized")

    _, secret = make_user()  # not a member of this issuer
    outsider = ApiClient(client, secret)
    make_issuer(outsider, name="Elsewhere")
    assert_error(outsider.post(bulk_path(badge_class), json=body), 404, "badge_class_not_found")
    assert_error(outsider.get(f"/api/v1/jobs/{job_id}"), 404, "job_not_found")
    assert_error(api.get("/api/v1/jobs/nope"), 404, "job_not_found")

    _, narrow = make_user(admin=True, scopes=["issuers:read"])
    assert_error(ApiClient(client, narrow).post(bulk_path(badge_class), json=body), 403,
                 "insufficient_scope")


def test_a_10000_row_csv_is_previewed_and_10001_rows_are_refused(api, badge_class):
    rows = [[f"person{i}@example.org", f"Person {i}", f"https://example.org/e/{i}", "Done"]
            for i in range(10_000)]
    started = time.monotonic()
    preview = upload(api, badge_class, csv_of([HEADER] + rows), "?dry_run=true")
    assert preview.status_code == 200
    assert preview.json["valid"] == 10_000
    assert time.monotonic() - started < 30
    rows.append(["one.more@example.org", "", "", ""])
    assert_error(upload(api, badge_class, csv_of([HEADER] + rows)), 422, "too_many_rows")


def test_an_unreachable_broker_fails_the_job_instead_of_losing_it(api, badge_class, app,
                                                                  monkeypatch):
    class DeadBroker:
        def send_task(self, *args, **kwargs):
            raise ConnectionError("broker down")

    monkeypatch.setitem(app.extensions, "celery", DeadBroker())
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "celery")
    response = api.post(bulk_path(badge_class), json={"rows": [row("ada@example.org")]})
    assert response.status_code == 202
    assert response.json["status"] == "failed"
    job = api.get(f"/api/v1/jobs/{response.json['id']}").json
    assert job["status"] == "failed" and "queued" in job["errors"][-1]["message"]
