"""What every view page shares: the templates, the inlined assets, data embedded safely, SVG text, PNG.

Data goes into pages only as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&``
escaped, and is read by the page's own script with ``JSON.parse``; labels reach the screen only through
``textContent`` or the canvas. No page loads anything: scripts and styles are inlined.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from citykg.errors import CityKGError, UsageError

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "assets"


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@functools.cache
def asset(relative: str) -> str:
    """The text of a file under assets/ or templates/ (the page's own script and style)."""
    for folder in (ASSETS, TEMPLATES):
        path = folder / relative
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if "</script" in text.lower() or "</style" in text.lower():
                raise CityKGError(f"{path} cannot be inlined: it contains a closing script or style tag")
            return text
    raise CityKGError(f"view asset {relative} is missing", hint="reinstall citykg")


def script_json(data: object) -> Markup:
    """JSON safe to place inside ``<script type="application/json">`` (no tag can be closed from data)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return Markup(text)


def page(template: str, *, script: str, vis: bool = True, **context: object) -> str:
    """Render a page template with the shared style, its own ``script`` (a file of templates/) and context.

    The page gets a Content-Security-Policy that allows exactly its inline scripts (by hash) and no
    request at all, so even a label that slipped through as HTML could neither run nor load anything.
    """
    scripts = {
        "vis_js": asset("vis-network/vis-network.min.js") if vis else "",
        "common_js": asset("common.js"),
        "page_js": asset(script),
    }
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"
        for code in scripts.values()
        if code
    )
    # 'unsafe-eval' only lets tools that evaluate strings in the page (Playwright's wait_for_function) work;
    # no page script evaluates text, and injected markup (inline handlers, foreign scripts) stays blocked.
    csp = (
        f"default-src 'none'; script-src {hashes} 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; "
        "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    inline = {name: Markup(code) for name, code in scripts.items()}
    inline["vis_css"] = Markup(asset("vis-network/vis-network.css") if vis else "")
    inline["common_css"] = Markup(asset("common.css"))
    return environment().get_template(template).render(csp=Markup(csp), **inline, **context)


def page_csp(document: str) -> str | None:
    """The Content-Security-Policy a view page declares in its <meta> tag.

    A server must send this as the page's Content-Security-Policy header (a stricter default such as
    ``script-src 'self'`` would block the page's inline scripts); for an <iframe> embedding add
    ``frame-ancestors 'self'``.
    """
    import html as html_module
    import re

    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', document)
    return html_module.unescape(match.group(1)) if match else None


def text(value: object) -> str:
    """XML text content."""
    return escape(str(value))


def attr(value: object) -> str:
    """An XML attribute value with its quotes."""
    return quoteattr(str(value))


def chromium_path() -> str | None:
    """Debian's chromium, or the one named by CITYKG_CHROMIUM."""
    candidate = os.environ.get("CITYKG_CHROMIUM") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def svg_to_png(svg: str, *, scale: float = 2.0) -> bytes:
    """Rasterise an SVG with headless Chromium (Playwright); every network request is refused."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        raise UsageError(
            "PNG output needs Chromium and the Python package playwright",
            hint="install them (apt-get install chromium; pip install playwright) or use --format svg",
        )
    import re

    size = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', svg)
    width, height = (int(float(size.group(1))), int(float(size.group(2)))) if size else (1200, 800)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)
            view = context.new_page()
            view.route(re.compile(r"^(?!data:|about:).*"), lambda route: route.abort())
            view.set_content(f'<!DOCTYPE html><html><body style="margin:0">{svg}</body></html>', wait_until="load")
            return view.locator("svg").first.screenshot(type="png")
        finally:
            browser.close()
