"""Badge classes with their images, through the API."""

import io
import struct
import zlib

import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.db import db
from tests.cairn.test_errors import assert_error
from tests.conftest import SVG, data_uri, png_bytes


def count_badge_classes():
    return db.session.scalar(sa.select(sa.func.count()).select_from(BadgeClass))


def bomb_png(side=60000) -> bytes:
    """A PNG a few KB long that claims side x side pixels (a decompression bomb)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (side + 1) * 64, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


def test_create_with_a_data_uri_png(make_badge_class, client, base_url):
    created = make_badge_class(alignments=[{"target_name": "Partnering", "target_url":
                                            "https://example.org/framework/partnering"}])
    assert created["public_url"] == f"{base_url}/badge-classes/{created['id']}"
    image = client.get(created["image_url"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    doc = client.get(created["public_url"]).get_json()
    assert doc["type"] == "BadgeClass"
    assert doc["alignment"][0]["targetName"] == "Partnering"


def test_create_with_a_multipart_svg(api, issuer, client):
    response = api.post(f"/api/v1/issuers/{issuer['id']}/badge-classes", data={
        "name": "Mentor", "description": "Mentored five people.",
        "criteria": '{"narrative": "Five mentoring sessions."}', "tags": ["mentor", "people"],
        "image": (io.BytesIO(SVG), "mentor.svg")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    assert response.json["tags"] == ["mentor", "people"]
    assert client.get(response.json["image_url"]).mimetype == "image/svg+xml"


def test_update_changes_the_published_document(api, badge_class, client):
    response = api.patch(f"/api/v1/badge-classes/{badge_class['id']}",
                         json={"name": "Partnership Certified (2027)"})
    assert response.status_code == 200
    published = client.get(badge_class["public_url"]).get_json()
    assert published["name"] == "Partnership Certified (2027)"


def test_image_is_required(api, issuer):
    body = assert_error(api.post(f"/api/v1/issuers/{issuer['id']}/badge-classes", json={
        "name": "X", "description": "Y", "criteria": {"narrative": "Z"}}), 422,
        "validation_failed")
    assert "image" in body["errors"]


def post_image(api, issuer, image_uri):
    return api.post(f"/api/v1/issuers/{issuer['id']}/badge-classes", json={
        "name": "X", "description": "Y", "criteria": {"narrative": "Z"}, "image": image_uri})


def test_oversized_image_is_413_and_nothing_is_written(api, issuer):
    before = count_badge_classes()
    huge = png_bytes(size=(3000, 3000)) + b"\0" * (1024 * 1024)
    assert_error(post_image(api, issuer, data_uri(huge)), 413, "image_too_large")
    assert count_badge_classes() == before


def test_decompression_bomb_is_refused(api, issuer):
    body = assert_error(post_image(api, issuer, data_uri(bomb_png())), 413, "image_too_large")
    assert "image" in body["errors"]
    assert count_badge_classes() == 0


def test_svg_scripts_handlers_and_external_references_are_removed(api, issuer, client):
    hostile = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
               b' width="10" height="10" onload="alert(1)"><script>alert(2)</script>'
               b'<image xlink:href="https://evil.example/x.png"/><circle r="4" onclick="x()"/>'
               b'</svg>')
    response = post_image(api, issuer, data_uri(hostile, "image/svg+xml"))
    assert response.status_code == 201, response.json
    served = client.get(response.json["image_url"]).get_data()
    for needle in (b"script", b"onload", b"onclick", b"evil.example"):
        assert needle not in served


def test_svg_with_an_external_entity_is_refused(api, issuer):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>')
    assert_error(post_image(api, issuer, data_uri(xxe, "image/svg+xml")), 422, "invalid_image")


def test_not_an_image_is_refused(api, issuer):
    assert_error(post_image(api, issuer, data_uri(b"hello", "text/plain")), 422,
                 "invalid_image")
    assert_error(post_image(api, issuer, "http://example.org/x.png"), 422, "invalid_image")
