"""Baking per the OB 2.0 baking spec and OB 3.0's baked badges, on real images built here."""

from __future__ import annotations

import base64
import io
import json
import socket
import struct
import time
import zlib
from xml.etree import ElementTree

import pytest
from PIL import Image, PngImagePlugin

from credentials.baking import (
    OB2_NAMESPACE,
    OB3_NAMESPACE,
    PNG_SIGNATURE,
    BakingError,
    _root_start_tag,
    bake_png,
    bake_svg_ob2,
    bake_svg_ob3,
    png_in_svg,
    read_png_text,
    read_svg_badge,
    svg_to_png,
)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" ' \
      b'height="50" fill="#ff0000"/></svg>'
ASSERTION = json.dumps({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
                        "id": "https://cairn.test/assertions/1", "note": "é ✓"})
CREDENTIAL = json.dumps({"type": ["VerifiableCredential", "OpenBadgeCredential"],
                         "name": "tricky ]]> inside <b>&amp;</b>"})
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6MX0.c2lnbmF0dXJl"


def make_png(size: tuple[int, int] = (8, 8), color: tuple[int, ...] = (0, 0, 255, 255),
             pnginfo: PngImagePlugin.PngInfo | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, "PNG", pnginfo=pnginfo)
    return buffer.getvalue()


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    found, position = [], len(PNG_SIGNATURE)
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        found.append((kind, png[position + 8 : position + 8 + length]))
        position += 12 + length
    return found


def open_png(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_baked_png_reads_back_the_text():
    baked = bake_png(make_png(), "openbadges", ASSERTION)
    assert read_png_text(baked)["openbadges"] == ASSERTION


def test_baked_png_has_an_uncompressed_itxt_right_after_ihdr():
    baked = bake_png(make_png(), "openbadgecredential", JWS)
    kinds = [kind for kind, _ in chunks(baked)]
    assert kinds[:2] == [b"IHDR", b"iTXt"]
    assert chunks(baked)[1][1] == b"openbadgecredential\0\0\0\0\0" + JWS.encode()


def test_baked_png_opens_in_pillow_which_sees_the_itxt():
    baked = bake_png(make_png(), "openbadges", ASSERTION)
    image = open_png(baked)
    assert isinstance(image.text["openbadges"], PngImagePlugin.iTXt)
    assert image.text["openbadges"] == ASSERTION
    assert image.getpixel((0, 0)) == (0, 0, 255, 255)


def test_baking_keeps_the_image_data_byte_for_byte():
    original = make_png((40, 30))
    baked = bake_png(original, "openbadges", ASSERTION)
    assert [c for c in chunks(baked) if c[0] != b"iTXt"] == chunks(original)


def test_baking_twice_replaces_the_chunk():
    once = bake_png(make_png(), "openbadges", "first")
    twice = bake_png(once, "openbadges", "second")
    itxt = [data for kind, data in chunks(twice) if kind == b"iTXt"]
    assert len(itxt) == 1
    assert read_png_text(twice)["openbadges"] == "second"


def test_baking_removes_a_stale_text_chunk_of_the_same_keyword():
    info = PngImagePlugin.PngInfo()
    info.add_text("openbadges", "stale tEXt")
    info.add_itxt("openbadges", "stale zipped iTXt", zip=True)
    info.add_text("Software", "kept")
    baked = bake_png(make_png(pnginfo=info), "openbadges", "fresh")
    assert read_png_text(baked) == {"openbadges": "fresh", "Software": "kept"}
    assert sum(data.startswith(b"openbadges\0") for _, data in chunks(baked)) == 1


def test_ob2_and_ob3_keywords_live_side_by_side_in_a_png():
    baked = bake_png(bake_png(make_png(), "openbadges", ASSERTION), "openbadgecredential", JWS)
    assert read_png_text(baked) == {"openbadges": ASSERTION, "openbadgecredential": JWS}


def test_read_png_text_inflates_compressed_itxt_and_ztxt():
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", CREDENTIAL, lang="en", tkey="credential", zip=True)
    info.add_text("Comment", "zipped latin-1 é", zip=True)
    found = read_png_text(make_png(pnginfo=info))
    assert found == {"openbadgecredential": CREDENTIAL, "Comment": "zipped latin-1 é"}


def test_bytes_that_are_not_a_png_are_refused():
    with pytest.raises(BakingError) as caught:
        bake_png(b"GIF89a not a png", "openbadges", "x")
    assert caught.value.code == "invalid_image"
    assert caught.value.errors == {"image": ["The image is not a PNG file."]}


def test_a_png_with_a_bad_crc_is_refused():
    png = bytearray(make_png())
    png[29] ^= 0xFF  # last byte of the IHDR CRC
    with pytest.raises(BakingError, match="CRC"):
        bake_png(bytes(png), "openbadges", "x")


def test_a_truncated_png_is_refused():
    with pytest.raises(BakingError, match="truncated"):
        read_png_text(make_png()[:-20])


def test_an_invalid_png_keyword_is_a_programming_error():
    with pytest.raises(ValueError, match="keyword"):
        bake_png(make_png(), "open badges ✓", "x")


def svg_root(svg: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_hosted_ob2_svg_round_trips():
    baked = bake_svg_ob2(SVG, verify="https://cairn.test/assertions/1", assertion_json=ASSERTION)
    assert read_svg_badge(baked) == {"ob2_verify": "https://cairn.test/assertions/1",
                                     "ob2_assertion": ASSERTION}


def test_signed_ob2_svg_carries_the_jws_in_verify_and_nothing_inside():
    baked = bake_svg_ob2(SVG, verify=JWS)
    assert read_svg_badge(baked) == {"ob2_verify": JWS}
    assert f'<openbadges:assertion verify="{JWS}"></openbadges:assertion>'.encode() in baked


def test_ob2_svg_has_the_spec_namespace_and_the_assertion_as_first_child():
    baked = bake_svg_ob2(SVG, verify=JWS)
    assert f'xmlns:openbadges="{OB2_NAMESPACE}"'.encode() in baked
    assert baked.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    assert svg_root(baked)[0].tag == f"{{{OB2_NAMESPACE}}}assertion"


def test_ob3_svg_round_trips_json_with_a_cdata_terminator_inside():
    baked = bake_svg_ob3(SVG, credential_json=CREDENTIAL)
    assert b"]]]]><![CDATA[>" in baked
    assert read_svg_badge(baked) == {"ob3_credential": CREDENTIAL}
    assert svg_root(baked)[0].tag == f"{{{OB3_NAMESPACE}}}credential"
    assert f'xmlns:openbadges="{OB3_NAMESPACE}"'.encode() in baked


def test_ob3_svg_carries_a_jwt_in_verify():
    baked = bake_svg_ob3(SVG, jwt=JWS)
    assert read_svg_badge(baked) == {"ob3_jwt": JWS}


def test_ob3_baking_needs_exactly_one_of_json_and_jwt():
    with pytest.raises(ValueError):
        bake_svg_ob3(SVG)
    with pytest.raises(ValueError):
        bake_svg_ob3(SVG, credential_json=CREDENTIAL, jwt=JWS)


def test_baking_an_svg_twice_replaces_the_element():
    once = bake_svg_ob2(SVG, verify="https://a.test/1", assertion_json='{"n": 1}')
    twice = bake_svg_ob2(once, verify=JWS)
    assert read_svg_badge(twice) == {"ob2_verify": JWS}
    assert twice.count(b"openbadges:assertion") == 2  # one start tag, one end tag
    assert twice.count(b"xmlns:openbadges") == 1


def test_baking_ob3_over_ob2_leaves_only_the_ob3_credential():
    ob2 = bake_svg_ob2(SVG, verify=JWS)
    ob3 = bake_svg_ob3(ob2, jwt="header.payload.signature")
    assert read_svg_badge(ob3) == {"ob3_jwt": "header.payload.signature"}
    assert OB2_NAMESPACE.encode() not in ob3


def test_svg_baking_keeps_the_drawing():
    baked = bake_svg_ob3(SVG, jwt=JWS)
    rect = svg_root(baked).find("{http://www.w3.org/2000/svg}rect")
    assert rect is not None and rect.get("fill") == "#ff0000"


def test_svg_baking_handles_a_root_attribute_containing_a_closing_bracket():
    svg = (b'<?xml version="1.0"?><!-- a > comment --><svg xmlns="http://www.w3.org/2000/svg" '
           b'data-note="1 > 0" width="10" height="10"/>')
    baked = bake_svg_ob2(svg, verify='a"quoted" & <odd> value')
    assert read_svg_badge(baked) == {"ob2_verify": 'a"quoted" & <odd> value'}
    assert svg_root(baked).get("data-note") == "1 > 0"


def test_root_start_tag_is_found_past_a_closing_bracket_in_an_attribute():
    text = "<?xml version='1.0'?>\n<svg a='x>y' b=\"/>\" >\n<g/></svg>"
    tag = _root_start_tag(text)
    assert (tag.name, tag.self_closing) == ("svg", False)
    assert tag.attributes == {"a": "x>y", "b": "/>"}
    assert text[tag.end :] == "\n<g/></svg>"


def test_svg_baking_refuses_a_document_with_a_dtd():
    svg = b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    with pytest.raises(BakingError):
        bake_svg_ob2(svg, verify=JWS)


def test_svg_baking_refuses_a_document_that_is_not_svg():
    with pytest.raises(BakingError, match="root must be <svg>"):
        bake_svg_ob3(b"<html><body/></html>", jwt=JWS)


def test_png_in_svg_shows_the_png_and_bakes():
    png = make_png((4, 4))
    svg = png_in_svg(png, 64, 32)
    image = svg_root(svg).find("{http://www.w3.org/2000/svg}image")
    href = image.get("{http://www.w3.org/1999/xlink}href")
    assert base64.b64decode(href.removeprefix("data:image/png;base64,")) == png
    assert read_svg_badge(bake_svg_ob2(svg, verify=JWS)) == {"ob2_verify": JWS}


def test_svg_to_png_uses_the_svg_size():
    image = open_png(svg_to_png(SVG))
    assert image.size == (100, 50)
    assert image.convert("RGBA").getpixel((50, 25)) == (255, 0, 0, 255)


def test_svg_to_png_caps_the_longest_side_at_512_pixels():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2000 1000"/>'
    assert open_png(svg_to_png(svg)).size == (512, 256)


def test_svg_to_png_of_a_png_in_svg_shows_the_png():
    svg = png_in_svg(make_png((4, 4), (0, 128, 0, 255)), 40, 40)
    assert open_png(svg_to_png(svg)).convert("RGBA").getpixel((20, 20)) == (0, 128, 0, 255)


def test_svg_to_png_result_can_be_baked():
    baked = bake_png(svg_to_png(SVG), "openbadges", ASSERTION)
    assert open_png(baked).text["openbadges"] == ASSERTION


def test_svg_to_png_refuses_an_embedded_decompression_bomb_without_failing():
    bomb = base64.b64encode(bomb_png(20_000, 20_000)).decode()
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image width="10" '
           f'height="10" href="data:image/png;base64,{bomb}"/></svg>').encode()
    image = open_png(svg_to_png(svg, max_pixels=1_000_000))
    assert image.convert("RGBA").getpixel((5, 5)) == (0, 0, 0, 0)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height grey pixels, with a short all-zero IDAT."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(bytes(1_000_000), 9)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def test_svg_to_png_fetches_nothing_from_the_network():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.5)
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
               f' width="20" height="20"><style>@import url({base}/a.css);</style>'
               f'<image width="20" height="20" href="{base}/x.png"/>'
               f'<image width="20" height="20" xlink:href="{base}/y.png"/>'
               f'<use href="{base}/z.svg#a"/><rect width="5" height="5" fill="url({base}/g#g)"/>'
               f'</svg>').encode()
        assert open_png(svg_to_png(svg)).size == (20, 20)
        with pytest.raises(TimeoutError):
            listener.accept()


def test_svg_to_png_does_not_hang_on_an_unreachable_image():
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<image width="10" height="10" href="http://127.0.0.1:9/x.png"/>'
           b'<image width="10" height="10" href="file:///etc/passwd"/></svg>')
    started = time.monotonic()
    assert open_png(svg_to_png(svg)).size == (10, 10)
    assert time.monotonic() - started < 5


def test_svg_to_png_refuses_output_over_the_pixel_budget():
    with pytest.raises(BakingError):
        svg_to_png(SVG, max_pixels=100)
