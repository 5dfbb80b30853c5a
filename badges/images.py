"""Badge images as uploaded: a PNG or an SVG, checked and cleaned before anything keeps them.

The type is sniffed from the bytes, never taken from the client. A PNG is decoded once to prove
it is one, within a pixel budget checked before decoding (decompression bombs), and kept byte
for byte so that baking (credentials/baking.py) adds a chunk without re-encoding it. An SVG is
parsed without DTDs, entities or external references (XXE, billion laughs) and cleaned of
everything that can run script or fetch a URL, because badge images are served from Cairn's
own origin and opened by browsers, wallets and verifiers.
"""

from __future__ import annotations

import base64
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, unquote_to_bytes
from xml.etree import ElementTree

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml import ElementTree as SafeElementTree
from PIL import Image

from cairn.errors import CairnError
from credentials.baking import (
    PNG_SIGNATURE,
    SVG_NAMESPACE,
    BakingError,
    check_png,
    serialize_svg,
    svg_size,
)

PNG = "image/png"
SVG = "image/svg+xml"
MAX_SVG_DEPTH = 100

_IEND = b"\0\0\0\0IEND\xaeB`\x82"
_OTHER_FORMATS = ((b"\xff\xd8\xff", "a JPEG"), (b"GIF8", "a GIF"), (b"RIFF", "a WebP or RIFF"),
                  (b"BM", "a BMP"), (b"\x1f\x8b", "gzip-compressed (SVGZ is not accepted)"),
                  (b"%PDF", "a PDF"))
_DROPPED_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler",
                     "listener"}
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:")
_SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif)[;,]")
_CSS_DANGERS = ("\\", "@import", "expression(", "image-set(", "javascript:")


@dataclass(frozen=True)
class BadgeImage:
    """An accepted image: a PNG byte for byte, or a cleaned SVG. `media_type` is `PNG` or
    `SVG`; an SVG's width and height are 0 when it does not say."""

    data: bytes
    media_type: str
    width: int
    height: int


class ImageRejected(CairnError):
    status, code = 422, "invalid_image"


class ImageTooLarge(CairnError):
    status, code = 413, "image_too_large"


def _rejected(message: str) -> ImageRejected:
    return ImageRejected(message, {"image": [message]})


def _too_large(message: str) -> ImageTooLarge:
    return ImageTooLarge(message, {"image": [message]})


def parse_data_uri(uri: str) -> tuple[bytes, str]:
    """The bytes and declared media type of an RFC 2397 data: URI, base64 or percent-encoded.
    The media type is the client's claim only: `load_image` sniffs the bytes."""
    scheme, _, rest = uri.strip().partition(":")
    header, comma, payload = rest.partition(",")
    if scheme.lower() != "data" or not comma:
        raise _rejected("The image must be a file or a data: URI (data:image/png;base64,...).")
    parameters = [parameter.strip() for parameter in header.split(";")]
    media_type = parameters[0].lower() or "text/plain"
    if len(parameters) < 2 or parameters[-1].lower() != "base64":
        return unquote_to_bytes(payload), media_type
    try:
        content = base64.b64decode(re.sub(r"\s+", "", unquote(payload)), validate=True)
    except ValueError as error:
        raise _rejected("The image's data: URI is not valid base64.") from error
    return content, media_type


def load_image(content: bytes, *, max_bytes: int = 1_048_576,
               max_pixels: int = 16_000_000) -> BadgeImage:
    """A checked PNG (kept as is) or a cleaned SVG (re-serialised), or an error saying why
    not."""
    media_type = _sniff(content)
    if len(content) > max_bytes:
        raise _too_large(f"The image is {len(content):,} bytes; at most {max_bytes:,} bytes "
                         "are accepted.")
    if media_type == PNG:
        return _load_png(content, max_pixels)
    return _load_svg(content, max_pixels)


def _sniff(content: bytes) -> str:
    if content.startswith(PNG_SIGNATURE):
        return PNG
    start = content.removeprefix(b"\xef\xbb\xbf").lstrip()
    if start.startswith(b"<") or content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return SVG
    found = next((name for magic, name in _OTHER_FORMATS if content.startswith(magic)), None)
    what = "the file is empty" if not content else f"this is {found}" if found else "this is not"
    raise _rejected(f"A badge image must be a PNG or an SVG file; {what}.")


@contextmanager
def _raster(content: bytes, formats: list[str], max_pixels: int) -> Iterator[Image.Image]:
    """The image, opened (header read) but not decoded, once its pixels fit the budget.
    Pillow's own bomb check (a warning, then an error, past its global limit) is caught too,
    for budgets above that limit, in a scope of its own; the global limit is left alone."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=formats) as image:
                if image.width * image.height > max_pixels:
                    raise _too_large(f"The image is {image.width}x{image.height} pixels; at "
                                     f"most {max_pixels:,} pixels are accepted.")
                yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large("The image has too many pixels to decode safely.") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _rejected("The image could not be decoded: it is damaged or truncated.") from error


def _load_png(content: bytes, max_pixels: int) -> BadgeImage:
    with _raster(content, ["PNG"], max_pixels) as image:
        if getattr(image, "is_animated", False):
            raise _rejected("Animated PNGs are not accepted as badge images.")
        image.load()
        width, height = image.size
    _check_plain_png(content)
    return BadgeImage(content, PNG, width, height)


def _check_plain_png(content: bytes) -> None:
    """The bytes are kept and later baked as they are, so they must be exactly one PNG:
    chunks that bake (lengths, CRCs), and nothing after IEND (a polyglot's hiding place)."""
    if not content.endswith(_IEND):
        raise _rejected("The PNG has extra data after its end; export it again as a plain PNG.")
    try:
        check_png(content)
    except BakingError as error:
        raise _rejected(error.message) from error


def _load_svg(content: bytes, max_pixels: int) -> BadgeImage:
    root = _parse_svg(content)
    _check_depth(root)
    _clean(root)
    _check_embedded_images(root, max_pixels)
    return BadgeImage(serialize_svg(root), SVG, *svg_size(root))


def _check_embedded_images(root: ElementTree.Element, max_pixels: int) -> None:
    """Every viewer decodes the raster images an SVG embeds: together they get the PNG
    pixel budget. Only their headers are read."""
    budget = max_pixels
    for element in root.iter():
        for name, value in element.attrib.items():
            if _split_tag(name)[1].lower() == "href" and not value.strip().startswith("#"):
                with _raster(parse_data_uri(value)[0], ["PNG", "JPEG", "GIF"], budget) as image:
                    budget -= image.width * image.height


def _parse_svg(content: bytes) -> ElementTree.Element:
    try:
        root = SafeElementTree.fromstring(content, forbid_dtd=True, forbid_entities=True,
                                          forbid_external=True)
    except DTDForbidden as error:
        raise _rejected("The SVG has a DOCTYPE; document type declarations (and the entities "
                        "they define) are not accepted in badge images.") from error
    except DefusedXmlException as error:
        raise _rejected("The SVG uses XML entities or external references, which are not "
                        "accepted in badge images.") from error
    except ElementTree.ParseError as error:
        raise _rejected(f"The SVG is not well-formed XML: {error}") from error
    if root.tag == "svg":
        raise _rejected(f'The SVG must declare its namespace: <svg xmlns="{SVG_NAMESPACE}">.')
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise _rejected("A badge image must be a PNG or an SVG file; this XML document's root "
                        "is not an <svg> element.")
    return root


def _check_depth(root: ElementTree.Element) -> None:
    """Serialising is recursive: a deep enough document would exhaust the stack."""
    pending = [(root, 1)]
    while pending:
        element, depth = pending.pop()
        if depth > MAX_SVG_DEPTH:
            raise _rejected(f"The SVG nests elements more than {MAX_SVG_DEPTH} levels deep.")
        pending.extend((child, depth + 1) for child in element)


def _split_tag(tag: str) -> tuple[str, str]:
    namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


def _clean(root: ElementTree.Element) -> None:
    """Drop what can run script or fetch: elements outside the SVG namespace (an XHTML
    <script> or <iframe> runs inside an SVG opened by a browser), scripting and embedding
    elements, event handlers, non-local links and CSS that loads URLs."""
    pending = [root]
    while pending:
        element = pending.pop()
        kept: list[ElementTree.Element] = []
        for child in element:
            if _is_unsafe_element(child):
                _keep_tail(element, kept, child.tail)
            else:
                kept.append(child)
        element[:] = kept
        pending.extend(kept)
        for name, value in list(element.attrib.items()):
            if _is_unsafe_attribute(name, value):
                del element.attrib[name]
        if _split_tag(element.tag)[1] == "style" and _unsafe_css("".join(element.itertext())):
            element.text, element[:] = None, []


def _keep_tail(parent: ElementTree.Element, kept: list[ElementTree.Element],
               tail: str | None) -> None:
    """Text after a dropped element belongs to the text before it (as in `<text>`)."""
    if not tail:
        return
    if kept:
        kept[-1].tail = (kept[-1].tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def _is_unsafe_element(element: ElementTree.Element) -> bool:
    namespace, local = _split_tag(element.tag)
    if namespace != SVG_NAMESPACE or local.lower() in _DROPPED_ELEMENTS:
        return True
    target = element.get("attributeName", "").rpartition(":")[2].strip().lower()
    return local in ("set", "animate") and (target == "href" or target.startswith("on"))


def _compact(value: str) -> str:
    """Browsers skip whitespace and control characters inside URLs (`java\tscript:`)."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def _is_unsafe_attribute(name: str, value: str) -> bool:
    local, compact = _split_tag(name)[1].lower(), _compact(value)
    if local.startswith("on") or _SCRIPT_URL.search(compact):
        return True
    if local == "href":
        return not (compact.startswith("#") or _SAFE_DATA_IMAGE.match(compact))
    return (local == "style" or "url(" in compact) and _unsafe_css(value)


def _unsafe_css(css: str) -> bool:
    """CSS that could load something: any url() not pointing into the document, @import,
    image-set(), old IE expression(); escapes are refused outright, since they can spell
    any of those."""
    compact = _compact(css)
    if any(danger in compact for danger in _CSS_DANGERS):
        return True
    return any(not target.lstrip("'\"").startswith("#") for target in compact.split("url(")[1:])
