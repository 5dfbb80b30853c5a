"""Helpers shared by the pathway page tests (no tests here): reading a page's form as a
browser would submit it, and pressing its buttons."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

SESSIONS = "mentoring.session"


class _FormReader(HTMLParser):
    """The fields of a page's first POST form past the header's sign-out: what a browser
    sends when a button is pressed (text, hidden and number inputs, ticked checkboxes,
    the selected option)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_form = self.done = False
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post" and not self.done \
                and "logout" not in (attrs.get("action") or ""):
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.fields[name] = attrs.get("value", "on" if attrs.get("type") ==
                                              "checkbox" else "")
        elif tag == "select":
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
                self.fields.setdefault(self.select, value)
            if "selected" in attrs:
                self.fields[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_fields(response) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(response.get_data(as_text=True))
    return reader.fields


def press(client, path, response, button=None, value="1", **changes):
    """Submit the form of `response` (a page) to `path` with some fields changed, by
    pressing `button` (a shape button) or Save."""
    data = form_fields(response) | changes
    data[button or "save"] = value
    return client.post(path, data=data)


def builder_errors(response) -> dict[str, str]:
    """Each error shown beside a field, by the field's name."""
    html = response.get_data(as_text=True)
    return {name: unescape(message) for name, message
            in re.findall(r'id="f-([\w-]+)-error">([^<]*)<', html)}


def described_by(response, name) -> str:
    """The aria-describedby of the control named `name`."""
    html = response.get_data(as_text=True)
    tag = re.search(rf'<(?:input|select|fieldset|div)[^>]*id="f-{name}"[^>]*>', html)
    assert tag is not None, name
    found = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return found.group(1) if found else ""


def milestone_fields(index, key, name, badge_class, *conditions, combinator="all"):
    """The fields of one milestone; each condition a dict of its fields (kind first)."""
    prefix = f"m-{index}"
    fields = {f"{prefix}-key": key, f"{prefix}-name": name,
              f"{prefix}-badge_class": badge_class, f"{prefix}-combinator": combinator}
    for number, condition in enumerate(conditions):
        fields |= {f"{prefix}-c-{number}-{field}": value for field, value in condition.items()}
    return fields


def count(action=SESSIONS, at_least="1", **extra):
    return {"kind": "action", "action": action, "at_least": at_least, **extra}
