"""Sharing from the public badge page: link previews, LinkedIn, the QR code, the verify link."""

import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import cairosvg
import pytest
import segno
from PIL import Image

from tests.conftest import SVG, data_uri

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class PageParser(HTMLParser):
    """The page's meta tags and the links and images it shows, by their text or alt."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.images, self._href, self._text = {}, {}, {}, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs["content"]
        elif tag == "a":
            self._href, self._text = attrs.get("href"), ""
        elif tag == "img":
            self.images[attrs.get("alt")] = attrs["src"]

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links[" ".join(self._text.split())] = self._href
            self._href = None


def badge_page(client, award) -> tuple[PageParser, str]:
    response = client.get(award["urls"]["page"], headers=HTML)
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser, response.get_data(as_text=True)


def test_badge_page_has_link_preview_tags_with_absolute_urls(client, base_url, badge_class,
                                                             award):
    meta, _ = badge_page(client, award)
    meta = meta.meta
    image = f"{base_url}/badge-classes/{badge_class['id']}/image.png"
    assert meta["og:title"] == meta["twitter:title"] == "Partnership Certified"
    assert meta["og:url"] == award["urls"]["page"]
    assert meta["og:url"].startswith(base_url + "/assertions/")
    assert meta["og:type"] == "website" and meta["og:site_name"] == "Cairn"
    assert meta["og:image"] == meta["twitter:image"] == image
    assert meta["og:image:alt"] == "Partnership Certified badge image"
    assert meta["twitter:card"] == "summary"
    assert meta["og:description"] == meta["twitter:description"]
    assert meta["og:description"].startswith("Awarded to Ada by Open Source Partnerships on ")
    assert client.get(image).mimetype == "image/png"


def test_link_preview_image_of_an_svg_badge_class_is_a_png(client, make_badge_class,
                                                           make_award):
    badge_class = make_badge_class(image=data_uri(SVG, "image/svg+xml"))
    award = make_award(badge_class_id=badge_class["id"])
    image = badge_page(client, award)[0].meta["og:image"]
    assert image.endswith(f"/badge-classes/{badge_class['id']}/image.png")
    response = client.get(image)
    assert response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.get_data())).format == "PNG"


def test_linkedin_link_pre_fills_the_certification(client, make_award):
    expires = datetime.now(UTC) + timedelta(days=400)
    award = make_award(expires=expires.isoformat())
    link = badge_page(client, award)[0].links["Add to LinkedIn profile"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com",
                                                        "/profile/add")
    issued = datetime.fromisoformat(award["issued_on"])
    assert parse_qs(parts.query, strict_parsing=True) == {
        "startTask": ["CERTIFICATION_NAME"], "name": ["Partnership Certified"],
        "organizationName": ["Open Source Partnerships"],
        "issueYear": [str(issued.year)], "issueMonth": [str(issued.month)],
        "expirationYear": [str(expires.year)], "expirationMonth": [str(expires.month)],
        "certUrl": [award["urls"]["page"]], "certId": [award["id"]]}


def test_linkedin_link_of_a_badge_without_expiry_names_no_expiry(client, award):
    query = parse_qs(urlsplit(badge_page(client, award)[0].links["Add to LinkedIn profile"])
                     .query)
    assert "expirationYear" not in query and "expirationMonth" not in query
    assert query["certUrl"] == [award["urls"]["page"]]


def qr_modules(png: bytes) -> list[list[bool]]:
    """Reads a QR code image back into its modules: the top-left finder pattern's first
    row is 7 dark modules, which gives the module size and the quiet zone."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    flat = Image.new("RGBA", image.size, "white")
    flat.alpha_composite(image)
    pixels = flat.convert("L").load()
    width = image.size[0]
    start = next(i for i in range(width) if pixels[i, i] < 128)
    run = next(i for i in range(start, width) if pixels[i, start] >= 128) - start
    size = run / 7
    count = round((width - 2 * start) / size)
    return [[pixels[int(start + (x + .5) * size), int(start + (y + .5) * size)] < 128
             for x in range(count)] for y in range(count)]


def encodes(modules: list[list[bool]], text: str) -> bool:
    for error in "LMQH":
        expected = [[bool(bit) for bit in row] for row in segno.make(text, error=error,
                                                                      micro=False).matrix]
        if modules == expected:
            return True
    return False


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_qr_code_encodes_the_public_page_address(client, award, suffix):
    qr_src = badge_page(client, award)[0].images["QR code of this page's address"]
    assert qr_src.endswith("/qr.svg")
    response = client.get(f"{award['urls']['page']}/qr.{suffix}")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    png = response.get_data()
    if suffix == "svg":
        assert response.mimetype == "image/svg+xml"
        png = cairosvg.svg2png(bytestring=png)
    else:
        assert response.mimetype == "image/png"
    modules = qr_modules(png)
    assert encodes(modules, award["urls"]["page"])
    assert not encodes(modules, award["urls"]["page"] + "x")


def test_qr_code_of_an_unknown_award_is_404(client):
    assert client.get("/assertions/nope/qr.svg").status_code == 404


def test_page_never_shows_the_recipients_email(client, make_award):
    award = make_award(recipient={"type": "email", "identity": "grace@example.org",
                                  "name": "grace.hopper@example.org"})
    parser, html = badge_page(client, award)
    assert "grace@example.org" not in html and "grace.hopper@example.org" not in html
    assert "@" not in "".join(parser.meta.values())
    assert parser.meta["og:description"].startswith("Awarded by Open Source Partnerships on ")


def test_revoked_badge_page_stops_advertising_the_badge(api, client, award):
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Wrong person"})
    parser, html = badge_page(client, award)
    assert parser.meta["og:title"] == "Revoked: Partnership Certified"
    assert parser.meta["robots"] == "noindex"
    assert "og:image" not in parser.meta and "twitter:image" not in parser.meta
    assert "Add to LinkedIn profile" not in parser.links
    assert "Copy link" not in html and "QR code" not in html


def test_verify_link_checks_the_badge_at_once(client, award):
    parser, _ = badge_page(client, award)
    link = parser.links["Verify this badge"]
    assert parse_qs(urlsplit(link).query) == {"url": [award["urls"]["page"]]}
    page = client.get(link).get_data(as_text=True)
    assert "This badge is valid" in page
    assert f'value="{award["urls"]["page"]}"' in page
