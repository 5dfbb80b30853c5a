"""Baked badges: a credential carried inside its badge image.

The OB 2.0 Baking Specification and OB 3.0's "Baked Badges" section: a PNG carries the badge
in an iTXt chunk (keyword `openbadges` for OB 2.0, `openbadgecredential` for OB 3.0); an SVG
carries it in an `openbadges:assertion` (OB 2.0) or `openbadges:credential` (OB 3.0) element,
the first child of the root. PNG baking works on chunks only: the image data is not re-encoded.

Both specs use the prefix `openbadges` for different namespaces (`http://openbadges.org` and
`https://purl.imsglobal.org/ob/v3p0`), so one SVG cannot carry both under that prefix. An image
carries one baked badge: baking an SVG removes any badge already baked in it, of either version.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import warnings
import zlib
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from PIL import Image

from cairn.errors import CairnError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
MAX_RASTER_SIDE = 512

_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
_MAX_INFLATED_TEXT = 16 * 1024 * 1024
_KEYWORD = re.compile(r"[!-~\xa1-\xff]+(?: [!-~\xa1-\xff]+)*")
_SVG_ROOT = f"{{{SVG_NAMESPACE}}}svg"
_OB2_ASSERTION = f"{{{OB2_NAMESPACE}}}assertion"
_OB3_CREDENTIAL = f"{{{OB3_NAMESPACE}}}credential"
_EMPTY_SVG = f'<svg xmlns="{SVG_NAMESPACE}" width="1" height="1"/>'.encode()


class BakingError(CairnError):
    status, code = 422, "invalid_image"


def _invalid(message: str) -> BakingError:
    return BakingError(message, {"image": [message]})


def _read_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into its chunks up to IEND, checking lengths and CRCs (PNG §5.3), so that
    what is baked into is a PNG that decoders accept. Bytes after IEND are not part of the
    image (PNG §5.6) and are left out."""
    if not png.startswith(PNG_SIGNATURE):
        raise _invalid("The image is not a PNG file.")
    chunks: list[tuple[bytes, bytes]] = []
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        end = position + 12 + length
        if length > 2**31 - 1 or end > len(png) or not kind.isalpha():
            raise _invalid("The PNG file is truncated or damaged.")
        data = png[position + 8 : end - 4]
        if zlib.crc32(kind + data) != struct.unpack(">I", png[end - 4 : end])[0]:
            raise _invalid(f"The PNG file is damaged: bad CRC in a {kind.decode()} chunk.")
        chunks.append((kind, data))
        position = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise _invalid("The PNG file is truncated or damaged.")
    return chunks


def check_png(png: bytes) -> None:
    """Raise BakingError for bytes that `bake_png` would refuse, so an upload is refused up
    front rather than when its first award is baked."""
    _read_chunks(png)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _keyword_bytes(keyword: str) -> bytes:
    """PNG §11.3.4.2: 1-79 printable Latin-1 characters, no leading, trailing or double
    spaces."""
    if len(keyword) > 79 or not _KEYWORD.fullmatch(keyword):
        raise ValueError(f"{keyword!r} is not a valid PNG keyword")
    return keyword.encode("latin-1")


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    """Insert an uncompressed iTXt chunk with empty language tag and translated keyword right
    after IHDR, as both baking specs require. Text chunks of the same keyword are removed
    first: the spec forbids two, and a verifier must not find a stale one."""
    name = _keyword_bytes(keyword)
    header, *rest = _read_chunks(png)
    itxt = (b"iTXt", name + b"\0\0\0\0\0" + text.encode("utf-8"))
    kept = [(kind, data) for kind, data in rest
            if kind not in _TEXT_CHUNKS or data.partition(b"\0")[0] != name]
    return PNG_SIGNATURE + b"".join(_chunk(kind, data) for kind, data in [header, itxt, *kept])


def _inflate(data: bytes) -> bytes:
    """zlib with a ceiling: a compressed text chunk can be a bomb too."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, _MAX_INFLATED_TEXT)
    if inflater.unconsumed_tail:
        raise ValueError("compressed text chunk too large")
    return text


def _itxt_text(body: bytes) -> str:
    """PNG §11.3.4.5: flag, method, language tag, translated keyword, then the text."""
    flag, method, rest = body[:1], body[1:2], body[2:]
    _language, _, rest = rest.partition(b"\0")
    _translated, found, text = rest.partition(b"\0")
    if not found or method != b"\0" or flag not in (b"\0", b"\1"):
        raise ValueError("malformed iTXt chunk")
    return (_inflate(text) if flag == b"\1" else text).decode("utf-8")


def _chunk_text(kind: bytes, data: bytes) -> tuple[str, str] | None:
    keyword, found, body = data.partition(b"\0")
    if not found or not keyword:
        return None
    try:
        if kind == b"iTXt":
            text = _itxt_text(body)
        elif kind == b"zTXt":
            text = _inflate(body[1:]).decode("latin-1")
        else:
            text = body.decode("latin-1")
    except (ValueError, zlib.error):
        return None
    return keyword.decode("latin-1"), text


def read_png_text(png: bytes) -> dict[str, str]:
    """Every text chunk (tEXt, zTXt, iTXt) by keyword. A malformed text chunk is skipped rather
    than failing the image; if a keyword repeats, the first chunk wins, since baking puts its
    chunk first."""
    found: dict[str, str] = {}
    for kind, data in _read_chunks(png):
        if kind in _TEXT_CHUNKS and (entry := _chunk_text(kind, data)) is not None:
            found.setdefault(*entry)
    return found


def _parse_svg(svg: bytes) -> ElementTree.Element:
    try:
        root = SafeElementTree.fromstring(svg, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise _invalid(f"The SVG could not be read: {error}") from error
    if root.tag != _SVG_ROOT:
        raise _invalid("The image is not an SVG: its root must be <svg> in the SVG namespace.")
    return root


def serialize_svg(root: ElementTree.Element) -> bytes:
    """UTF-8 XML reading `<svg xmlns=...>` and `xlink:href`, as people and naive tools expect,
    rather than ElementTree's `ns0:svg`. Its `default_namespace` refuses unqualified attributes
    (all of SVG's) and `register_namespace` is process-wide, so SVG and xlink names are written
    out on a copy, declared on the root; any element in no namespace joins SVG's."""
    copy = deepcopy(root)
    svg, xlink, declarations = f"{{{SVG_NAMESPACE}}}", f"{{{XLINK_NAMESPACE}}}", {}
    for element in copy.iter():
        element.tag = element.tag.removeprefix(svg)
        for name in [name for name in element.attrib if name.startswith(xlink)]:
            element.attrib["xlink:" + name.removeprefix(xlink)] = element.attrib.pop(name)
            declarations["xmlns:xlink"] = XLINK_NAMESPACE
    copy.attrib = {"xmlns": SVG_NAMESPACE, **declarations, **copy.attrib}
    return ElementTree.tostring(copy, encoding="unicode").encode("utf-8")


_LENGTH = re.compile(r"\s*([0-9.eE+-]+)\s*(px|pt|pc|mm|cm|in)?\s*\Z", re.IGNORECASE)
_PIXELS_PER_UNIT = {"px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54,
                    "in": 96.0}


def _positive(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        return 0.0
    return number if 0 < number < float("inf") else 0.0


def _length(value: str | None) -> float:
    """CSS pixels of an absolute length; 0 for percentages and font-relative units, which
    depend on where the image is shown."""
    match = _LENGTH.match(value or "")
    if not match:
        return 0.0
    return _positive(match.group(1)) * _PIXELS_PER_UNIT[(match.group(2) or "px").lower()]


def _view_box(value: str | None) -> tuple[float, float] | None:
    parts = re.split(r"[\s,]+", (value or "").strip())
    if len(parts) != 4:
        return None
    width, height = _positive(parts[2]), _positive(parts[3])
    return (width, height) if width and height else None


def svg_size(root: ElementTree.Element) -> tuple[int, int]:
    """The SVG's size in CSS pixels: width and height, a missing one completed from the
    viewBox's aspect ratio, or the viewBox alone (SVG 2 §8.2); (0, 0) when unknown."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = _view_box(root.get("viewBox"))
    if box and not (width and height):
        if width:
            height = width * box[1] / box[0]
        elif height:
            width = height * box[0] / box[1]
        else:
            width, height = box
    if not (width and height):
        return 0, 0
    return max(1, round(width)), max(1, round(height))


_PROLOG = re.compile(r"\ufeff?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_START_TAG = re.compile(r"<([^\s/>]+)")
_ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_TAG_END = re.compile(r"\s*(/?)>")
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                    "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


@dataclass(frozen=True)
class _RootTag:
    name: str
    attributes: dict[str, str]
    end: int
    self_closing: bool


def _root_start_tag(text: str) -> _RootTag:
    """Find the root's start tag in serialised XML. Attribute values are matched whole, so a
    `>` inside one (legal in XML) does not end the tag."""
    start = _START_TAG.match(text, _PROLOG.match(text).end())
    if not start:
        raise _invalid("The SVG has no root element.")
    position, attributes = start.end(), {}
    while attribute := _ATTRIBUTE.match(text, position):
        attributes[attribute.group(1)] = attribute.group(2)[1:-1]
        position = attribute.end()
    end = _TAG_END.match(text, position)
    if not end:
        raise _invalid("The SVG's root start tag is malformed.")
    return _RootTag(start.group(1), attributes, end.end(), end.group(1) == "/")


def _cdata(text: str) -> str:
    """`]]>` would end the section early: split it across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _remove_baked(root: ElementTree.Element) -> None:
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (_OB2_ASSERTION, _OB3_CREDENTIAL):
                parent.remove(child)


def _bake_svg(svg: bytes, namespace: str, name: str, *, verify: str | None,
              content: str | None) -> bytes:
    """Insert `<openbadges:{name}>` as the root's first child, on text, since ElementTree can
    write neither CDATA nor a chosen prefix. The text is re-serialised from the parsed tree
    first, which removes an earlier badge and any `openbadges` prefix bound to the other
    namespace (ElementTree declares only namespaces in use, under its own prefixes); the
    result is parsed again to prove the element landed where verifiers look."""
    root = _parse_svg(svg)
    _remove_baked(root)
    text = serialize_svg(root).decode("utf-8")
    tag = _root_start_tag(text)
    opening = text[: tag.end].removesuffix(">")
    opening = (opening.removesuffix("/") if tag.self_closing else opening).rstrip()
    if "xmlns:openbadges" not in tag.attributes:
        opening += f' xmlns:openbadges="{namespace}"'
    attribute = f' verify="{verify.translate(_ATTRIBUTE_ESCAPES)}"' if verify is not None else ""
    body = _cdata(content) if content is not None else ""
    element = f"<openbadges:{name}{attribute}>{body}</openbadges:{name}>"
    rest = f"</{tag.name}>" if tag.self_closing else text[tag.end :]
    baked = (opening + ">" + element + rest).encode("utf-8")
    if _parse_svg(baked)[0].tag != f"{{{namespace}}}{name}":
        raise _invalid("The SVG binds the prefix `openbadges` to another namespace.")
    return baked


def bake_svg_ob2(svg: bytes, *, verify: str, assertion_json: str | None = None) -> bytes:
    """OB 2.0: `verify` is the assertion URL with the hosted assertion JSON inside, or the
    compact JWS of a signed assertion with no content."""
    return _bake_svg(svg, OB2_NAMESPACE, "assertion", verify=verify, content=assertion_json)


def bake_svg_ob3(svg: bytes, *, credential_json: str | None = None,
                 jwt: str | None = None) -> bytes:
    """OB 3.0 baked SVG: the credential JSON inside, or the VC-JWT in `verify`."""
    if (credential_json is None) == (jwt is None):
        raise ValueError("give exactly one of credential_json and jwt")
    return _bake_svg(svg, OB3_NAMESPACE, "credential", verify=jwt, content=credential_json)


def read_svg_badge(svg: bytes) -> dict[str, str]:
    """What an SVG carries: `ob2_verify`, `ob2_assertion`, `ob3_credential`, `ob3_jwt`, each
    only when present."""
    root = _parse_svg(svg)
    found: dict[str, str] = {}
    for tag, verify_key, content_key in ((_OB2_ASSERTION, "ob2_verify", "ob2_assertion"),
                                         (_OB3_CREDENTIAL, "ob3_jwt", "ob3_credential")):
        element = root.find(f".//{tag}")
        if element is None:
            continue
        if verify := element.get("verify"):
            found[verify_key] = verify
        if content := "".join(element.itertext()).strip():
            found[content_key] = content
    return found


def png_in_svg(png: bytes, width: int, height: int) -> bytes:
    """An SVG showing the PNG, so a badge class with a PNG image can be offered as a baked
    SVG too. `xlink:href` rather than `href`: every SVG renderer reads it."""
    check_png(png)
    if width < 1 or height < 1:
        raise ValueError("width and height must be positive")
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (f'<svg xmlns="{SVG_NAMESPACE}" xmlns:xlink="{XLINK_NAMESPACE}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}"><image width="{width}" '
            f'height="{height}" xlink:href="{uri}"/></svg>').encode()


_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif);base64,(.*)\Z", re.IGNORECASE | re.DOTALL)


def _inline_image(url: str, max_pixels: int) -> bytes | None:
    """A raster image inside a data: URI, if it is small enough to decode: the renderer would
    otherwise decode a bomb at full size."""
    match = _DATA_IMAGE.match(url)
    if not match:
        return None
    try:
        content = base64.b64decode(re.sub(r"\s+", "", match.group(1)), validate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=["PNG", "JPEG", "GIF"]) as image:
                small = image.width * image.height <= max_pixels
    except (ValueError, OSError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return None
    return content if small else None


def _no_network_fetcher(max_pixels: int) -> Callable[[str, str], bytes]:
    """A cairosvg url_fetcher that fetches nothing. Every URL (http, file, stylesheets,
    external SVGs) gets an empty SVG, which draws nothing, instead of an error that would
    fail the whole rendering; only inline raster images are decoded."""

    def fetch(url: str, resource_type: str) -> bytes:
        inline = _inline_image(url, max_pixels) if resource_type == "image/*" else None
        return inline if inline is not None else _EMPTY_SVG

    return fetch


def svg_to_png(svg: bytes, *, max_pixels: int = 4096 * 4096) -> bytes:
    """Rasterise an SVG badge image so it can also be offered as a baked PNG: at its own size
    scaled down to MAX_RASTER_SIDE on the longest side (a square if its size is unknown).
    Nothing is fetched; `max_pixels` bounds the output and every raster image embedded."""
    width, height = svg_size(_parse_svg(svg))
    if not width:
        width = height = MAX_RASTER_SIDE
    scale = min(1.0, MAX_RASTER_SIDE / max(width, height))
    width, height = max(1, round(width * scale)), max(1, round(height * scale))
    if width * height > max_pixels:
        raise _invalid(f"The SVG would rasterise to {width}x{height} pixels, too many.")
    from cairosvg.surface import PNGSurface  # cairo is a system library: load it only here

    try:
        return PNGSurface.convert(bytestring=svg, unsafe=False, output_width=width,
                                  output_height=height,
                                  url_fetcher=_no_network_fetcher(max_pixels))
    except Exception as error:  # cairosvg does not document its failures: any means "cannot"
        raise _invalid("The SVG could not be rendered as a PNG.") from error
