"""Uploaded badge images: sniffed, size-checked, decoded or cleaned, on real files built here."""

from __future__ import annotations

import base64
import io
import struct
import warnings
import zlib
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from PIL import Image

from badges.images import (
    MAX_SVG_DEPTH,
    BadgeImage,
    ImageRejected,
    ImageTooLarge,
    load_image,
    parse_data_uri,
)
from credentials.baking import bake_png, bake_svg_ob2, read_png_text, read_svg_badge

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
NS = f'xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"'


def make_png(size: tuple[int, int] = (32, 16), image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, image_format)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int, zeros: int) -> bytes:
    """A grey PNG claiming width x height pixels whose IDAT is `zeros` compressed zero bytes:
    a few KB on disk."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(bytes(zeros), 9)) + png_chunk(b"IEND", b""))


def png_uri(size: tuple[int, int] = (2, 2)) -> str:
    return "data:image/png;base64," + base64.b64encode(make_png(size)).decode()


def cleaned(svg: str) -> ElementTree.Element:
    image = load_image(svg.encode())
    assert image.media_type == "image/svg+xml"
    return ElementTree.fromstring(image.data)


def all_attributes(root: ElementTree.Element) -> list[tuple[str, str]]:
    return [item for element in root.iter() for item in element.attrib.items()]


def local_names(root: ElementTree.Element) -> set[str]:
    return {element.tag.rpartition("}")[2] for element in root.iter()}


def test_a_png_is_kept_byte_for_byte():
    png = make_png()
    assert load_image(png) == BadgeImage(png, "image/png", 32, 16)


def test_a_kept_png_bakes_and_reads_back():
    image = load_image(make_png())
    assert read_png_text(bake_png(image.data, "openbadges", "{}")) == {"openbadges": "{}"}


def test_the_type_comes_from_the_bytes_not_the_data_uri():
    content, declared = parse_data_uri("data:image/svg+xml;base64,"
                                       + base64.b64encode(make_png()).decode())
    assert declared == "image/svg+xml"
    assert load_image(content).media_type == "image/png"


@pytest.mark.parametrize(("image_format", "named"), [("JPEG", "JPEG"), ("GIF", "GIF")])
def test_other_image_formats_are_refused(image_format, named):
    with pytest.raises(ImageRejected) as caught:
        load_image(make_png(image_format=image_format))
    assert caught.value.status == 422 and caught.value.code == "invalid_image"
    assert "PNG or an SVG" in caught.value.message and named in caught.value.message
    assert caught.value.errors == {"image": [caught.value.message]}


@pytest.mark.parametrize("content", [b"", b"just some text", b"\x00\x01\x02"])
def test_empty_or_text_content_is_refused(content):
    with pytest.raises(ImageRejected, match="PNG or an SVG"):
        load_image(content)


def test_an_oversized_png_is_refused_before_decoding():
    with pytest.raises(ImageTooLarge) as caught:
        load_image(make_png(), max_bytes=20)
    assert caught.value.status == 413 and caught.value.code == "image_too_large"
    assert "at most 20 bytes" in caught.value.errors["image"][0]


def test_an_oversized_svg_is_refused():
    svg = f'<svg {NS}><desc>{"x" * 2000}</desc></svg>'.encode()
    with pytest.raises(ImageTooLarge):
        load_image(svg, max_bytes=1000)


def test_a_png_over_the_pixel_budget_is_refused():
    with pytest.raises(ImageTooLarge, match="32x16 pixels"):
        load_image(make_png(), max_pixels=500)


def test_a_decompression_bomb_is_refused():
    bomb = bomb_png(50_000, 50_000, 1_000_000)
    assert len(bomb) < 5_000
    with pytest.raises(ImageTooLarge):
        load_image(bomb)


def test_a_bomb_under_pillows_own_limit_is_refused_by_the_budget():
    bomb = bomb_png(6_000, 6_000, 6_000 * 751)  # complete 1-bit image, 36 M pixels
    assert len(bomb) < 10_000
    with pytest.raises(ImageTooLarge, match="6000x6000"):
        load_image(bomb)


@pytest.mark.parametrize("side", [10_000, 50_000])  # Pillow warns, then Pillow refuses
def test_pillows_own_bomb_check_applies_over_a_larger_budget(side):
    limit, filters = Image.MAX_IMAGE_PIXELS, list(warnings.filters)
    with pytest.raises(ImageTooLarge, match="too many pixels"):
        load_image(bomb_png(side, side, 1_000), max_pixels=10**12)
    assert (limit, filters) == (Image.MAX_IMAGE_PIXELS, warnings.filters)


def test_a_truncated_png_is_refused():
    with pytest.raises(ImageRejected, match="could not be decoded"):
        load_image(make_png()[:60])


def test_a_png_with_data_after_its_end_is_refused():
    with pytest.raises(ImageRejected, match="after its end"):
        load_image(make_png() + b"<html><script>alert(1)</script></html>")


def test_an_animated_png_is_refused():
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (8, 8), color) for color in ("red", "blue")]
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected, match="Animated"):
        load_image(buffer.getvalue())


def test_a_clean_svg_keeps_its_drawing_and_namespaces():
    svg = (f'<?xml version="1.0"?><svg {NS} width="120" height="80"><defs><linearGradient '
           f'id="g"/></defs><rect width="10" height="10" fill="url(#g)"/><use xlink:href="#g"/>'
           f'<image href="{png_uri()}"/></svg>')
    image = load_image(svg.encode())
    assert (image.media_type, image.width, image.height) == ("image/svg+xml", 120, 80)
    assert image.data.startswith(f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"'.encode())
    assert b'<use xlink:href="#g"' in image.data and b'fill="url(#g)"' in image.data
    root = ElementTree.fromstring(image.data)
    assert local_names(root) == {"svg", "defs", "linearGradient", "rect", "use", "image"}


def test_svg_size_comes_from_the_view_box_when_width_and_height_are_missing():
    image = load_image(f'<svg xmlns="{SVG_NS}" viewBox="0 0 300 150"/>'.encode())
    assert (image.width, image.height) == (300, 150)


def test_svg_size_is_zero_when_unknown():
    image = load_image(f'<svg xmlns="{SVG_NS}" width="50%"/>'.encode())
    assert (image.width, image.height) == (0, 0)


def test_script_elements_are_removed_keeping_the_text_around_them():
    root = cleaned(f'<svg {NS}><text>Hello <script>alert(1)</script>World</text>'
                   f'<svg:script xmlns:svg="{SVG_NS}">alert(2)</svg:script></svg>')
    assert "script" not in local_names(root)
    assert "".join(root.itertext()) == "Hello World"


def test_event_handler_attributes_are_removed():
    root = cleaned(f'<svg {NS} onload="alert(1)"><rect onclick="alert(2)" OnMouseOver="x" '
                   f'width="1"/></svg>')
    assert all_attributes(root) == [("width", "1")]


def test_foreign_object_and_embedding_elements_are_removed():
    root = cleaned(f'<svg {NS}><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">'
                   f'<img src="x" onerror="alert(1)"/></div></foreignObject><iframe/><embed/>'
                   f'<object/><handler/><circle r="1"/></svg>')
    assert local_names(root) == {"svg", "circle"}


def test_elements_outside_the_svg_namespace_are_removed():
    root = cleaned(f'<svg {NS} xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)'
                   f'</h:script><h:img src="http://evil.test/x"/><circle r="1"/></svg>')
    assert local_names(root) == {"svg", "circle"}


def test_external_hrefs_are_removed():
    root = cleaned(f'<svg {NS}><image href="http://127.0.0.1:9/x.png"/><image '
                   f'xlink:href="https://evil.test/track.png"/><a href="https://evil.test/">'
                   f'<use href="other.svg#a"/></a><image href="data:image/svg+xml,&lt;svg/&gt;"/>'
                   f'<image href="{png_uri()}"/></svg>')
    assert all_attributes(root) == [("href", png_uri())]


@pytest.mark.parametrize("uri", ["javascript:alert(1)", " JaVaScRiPt:alert(1)",
                                 "java&#9;script:alert(1)", "vbscript:msgbox(1)"])
def test_javascript_uris_are_removed_from_every_attribute(uri):
    root = cleaned(f'<svg {NS}><a href="{uri}"><text>x</text></a><a xlink:href="{uri}"/>'
                   f'<rect data-x="{uri}" width="1"/><animate values="{uri}"/></svg>')
    assert all_attributes(root) == [("width", "1")]


def test_animations_that_rewrite_links_or_handlers_are_removed():
    root = cleaned(f'<svg {NS}><a href="#a"><set attributeName="href" to="http://evil.test"/>'
                   f'<animate attributeName="xlink:href" values="http://evil.test"/>'
                   f'<set attributeName="onclick" to="x"/><set attributeName="fill" to="red"/>'
                   f'</a></svg>')
    assert [element.get("attributeName") for element in root.iter(f"{{{SVG_NS}}}set")] == ["fill"]
    assert root.find(f".//{{{SVG_NS}}}animate") is None


@pytest.mark.parametrize("css", ['@import url("https://evil.test/a.css");',
                                 "rect { fill: url(https://evil.test/p.png) }",
                                 "rect { background: u\\72l(https://evil.test) }",
                                 "rect { fill: image-set('https://evil.test/x.png' 1x) }"])
def test_style_elements_that_load_urls_are_emptied(css):
    root = cleaned(f"<svg {NS}><style>{css}</style><rect width='1'/></svg>")
    assert root.find(f"{{{SVG_NS}}}style").text is None
    assert root.find(f"{{{SVG_NS}}}rect") is not None


def test_local_css_is_kept():
    css = "rect { fill: url(#g); stroke: url( '#h' ) } circle { fill: red }"
    root = cleaned(f"<svg {NS}><style>{css}</style><rect style='fill:url(#g)'/></svg>")
    assert root.find(f"{{{SVG_NS}}}style").text == css
    assert root.find(f"{{{SVG_NS}}}rect").get("style") == "fill:url(#g)"


def test_attributes_that_load_external_urls_are_removed():
    root = cleaned(f'<svg {NS}><rect style="background:url(http://evil.test/x)" '
                   f'filter="url(https://evil.test/f.svg#f)" fill="url(#ok)"/></svg>')
    assert all_attributes(root) == [("fill", "url(#ok)")]


def test_an_svg_embedding_a_decompression_bomb_is_refused():
    bomb = "data:image/png;base64," + base64.b64encode(bomb_png(6_000, 6_000, 1_000)).decode()
    with pytest.raises(ImageTooLarge):
        load_image(f'<svg {NS}><image xlink:href="{bomb}"/></svg>'.encode())


def test_embedded_images_share_the_pixel_budget():
    svg = f'<svg {NS}><image href="{png_uri((10, 10))}"/><image href="{png_uri((10, 10))}"/></svg>'
    assert load_image(svg.encode(), max_pixels=200).media_type == "image/svg+xml"
    with pytest.raises(ImageTooLarge):
        load_image(svg.encode(), max_pixels=199)


def test_an_svg_embedding_a_broken_image_is_refused():
    with pytest.raises(ImageRejected, match="could not be decoded"):
        load_image(f'<svg {NS}><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'.encode())


def test_an_external_entity_is_refused():
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>')
    with pytest.raises(ImageRejected, match="DOCTYPE"):
        load_image(svg)


def test_a_billion_laughs_document_is_refused():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    svg = (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY l0 "lol">{entities}]>'
           f'<svg xmlns="{SVG_NS}"><text>&l9;</text></svg>').encode()
    with pytest.raises(ImageRejected, match="DOCTYPE"):
        load_image(svg)


def test_malformed_xml_is_refused():
    with pytest.raises(ImageRejected, match="not well-formed"):
        load_image(f'<svg xmlns="{SVG_NS}"><g></svg>'.encode())


def test_an_svg_without_its_namespace_is_refused():
    with pytest.raises(ImageRejected, match="namespace"):
        load_image(b'<svg width="10" height="10"/>')


def test_an_xml_document_that_is_not_svg_is_refused():
    with pytest.raises(ImageRejected, match="PNG or an SVG"):
        load_image(b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')


def test_deeply_nested_svg_is_refused():
    depth = MAX_SVG_DEPTH + 1
    svg = f'<svg xmlns="{SVG_NS}">' + "<g>" * depth + "</g>" * depth + "</svg>"
    with pytest.raises(ImageRejected, match="levels deep"):
        load_image(svg.encode())


def test_a_cleaned_svg_bakes_and_reads_back():
    image = load_image(f'<svg {NS} width="10" height="10"><script>x</script></svg>'.encode())
    baked = bake_svg_ob2(image.data, verify="https://cairn.test/a/1", assertion_json="{}")
    assert read_svg_badge(baked) == {"ob2_verify": "https://cairn.test/a/1",
                                     "ob2_assertion": "{}"}


def test_an_uploaded_svg_loses_any_badge_already_baked_in():
    baked = bake_svg_ob2(f'<svg xmlns="{SVG_NS}"/>'.encode(), verify="someone.else.jws")
    assert read_svg_badge(load_image(baked).data) == {}


def test_base64_data_uris_are_decoded():
    png = make_png()
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    assert parse_data_uri(uri) == (png, "image/png")


def test_percent_encoded_data_uris_are_decoded():
    svg = f'<svg xmlns="{SVG_NS}"/>'
    assert parse_data_uri("data:image/svg+xml;charset=utf-8," + quote(svg)) == (
        svg.encode(), "image/svg+xml")


def test_a_data_uri_without_media_type_defaults_to_text_plain():
    assert parse_data_uri("data:,hi%20there") == (b"hi there", "text/plain")


@pytest.mark.parametrize("uri", ["https://evil.test/x.png", "data:image/png;base64",
                                 "data:image/png;base64,not*base64!", "file:///etc/passwd"])
def test_anything_but_a_valid_data_uri_is_refused(uri):
    with pytest.raises(ImageRejected) as caught:
        parse_data_uri(uri)
    assert caught.value.errors["image"]
