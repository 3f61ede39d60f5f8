"""Prints for meetings and slides: a page as PDF (Chromium's print to PDF) or PNG, A4 or 16:9.

The page is loaded with every request refused (it carries everything inline), printed at the paper size of
its ``@page`` rule, and the result is checked to be what its suffix says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from citykg.errors import UsageError
from citykg.views.render import CHROMIUM_ARGS, chromium_path

#: Paper sizes: (width, height) in millimetres and the viewport in CSS pixels for screenshots.
FORMATS = {"a4": ((210.0, 297.0), (794, 1123)), "16:9": ((338.67, 190.5), (1280, 720))}


def _browser():  # type: ignore[no-untyped-def]
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        raise UsageError(
            "PDF and PNG output need Chromium and the Python package playwright",
            hint="install them (apt-get install chromium; pip install playwright) or write .html/.svg",
        )
    return sync_playwright, executable


def print_page(html: str, kind: str, page_format: str = "a4", *, landscape: bool | None = None) -> bytes:
    """``html`` printed as ``kind`` ("pdf" or "png") on A4 or 16:9."""
    if page_format not in FORMATS:
        raise UsageError(f"unknown page format {page_format!r}", hint="use a4 or 16:9")
    (width, height), viewport = FORMATS[page_format]
    if landscape and width < height:
        width, height, viewport = height, width, (viewport[1], viewport[0])
    sync_playwright, executable = _browser()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=2)
            view = context.new_page()
            view.route(re.compile(r"^(?!data:|about:).*"), lambda route: route.abort())
            view.set_content(html, wait_until="load")
            if kind == "png":
                return view.screenshot(type="png", full_page=True)
            view.emulate_media(media="print")
            data = view.pdf(width=f"{width}mm", height=f"{height}mm", print_background=True,
                            prefer_css_page_size=True)  # fmt: skip
        finally:
            browser.close()
    if not data.startswith(b"%PDF-"):
        raise UsageError("Chromium did not write a PDF")
    return data


def kind_of(output: object, allowed: tuple[str, ...], default: str = "html") -> str:
    """The output kind from the file suffix (``map.pdf`` → pdf), else ``default``."""
    suffix = str(output or "").rsplit(".", 1)[-1].lower() if "." in str(output or "") else ""
    return suffix if suffix in allowed else default


#: ``--page`` of map and timeline: A4 (landscape for a wide drawing) or a 16:9 slide.
PAGES = {"a4": "a4", "slide": "16:9"}
#: Margin of a printed drawing, in millimetres; CSS pixels per millimetre.
MARGIN_MM, PX_PER_MM = 8.0, 96 / 25.4


def _layout(svg: str, page: str) -> tuple[float, float, float, float, float, float, bool]:
    """Drawing width and height, page width and height, printable height (mm), the scale (mm per unit of the
    drawing) and whether the page is landscape, by the rule of :func:`drawing_document`."""
    if page not in PAGES:
        raise UsageError(f"unknown page {page!r}", hint="use a4 or slide")
    size = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', svg)
    width, height = (float(size.group(1)), float(size.group(2))) if size else (1200.0, 800.0)
    (page_w, page_h), _ = FORMATS[PAGES[page]]
    landscape = page == "slide" or width > height
    if landscape and page_w < page_h:
        page_w, page_h = page_h, page_w
    box_w, box_h = page_w - 2 * MARGIN_MM, page_h - 2 * MARGIN_MM
    scale = box_w / width  # millimetres per unit of the drawing
    if height * scale > box_h and box_h / height >= 0.75 * scale:
        scale = box_h / height  # fits on one page at a readable size
    return width, height, page_w, page_h, box_h, scale, landscape


def one_page_scale(svg: str, page: str = "a4") -> float | None:
    """The scale (mm per unit) at which ``drawing_document`` prints ``svg`` on one ``page`` (never below three
    quarters of the page's width), or None when it takes several pages: a long timeline tries shorter rows."""
    _, height, _, _, box_h, scale, _ = _layout(svg, page)
    return scale if height * scale <= box_h + 0.01 else None


def drawing_document(svg: str, page: str = "a4", *, breaks: Sequence[float] = ()) -> tuple[str, bool]:
    """An HTML document that prints the SVG drawing ``svg`` on ``page`` (a4 or slide), and whether that page
    is landscape. The drawing is scaled to the page's width (or shrunk to at most three quarters of that to
    fit one page); a taller drawing (a long timeline) goes on several pages, cut at one of ``breaks`` (the y
    of its rows) so that no row is cut in two."""
    width, height, page_w, page_h, box_h, scale, landscape = _layout(svg, page)
    slices: list[tuple[float, float]] = []
    top, step = 0.0, box_h / scale
    while top < height - 0.5:
        bottom = min(height, top + step)
        if bottom < height:
            fitting = [b for b in breaks if top + step / 3 < b <= bottom]
            bottom = max(fitting) if fitting else bottom
        slices.append((top, bottom))
        top = bottom
    title = re.search(r"<title>(.*?)</title>", svg, re.S)
    inner = re.sub(r"^<svg[^>]*>", "", svg.strip(), count=1)
    inner = re.sub(r"</svg>$", "", inner)
    head = re.match(r"<svg[^>]*>", svg.strip())
    attributes = re.sub(r'\s(width|height|viewBox)="[^"]*"', "", head.group(0)[4:-1]) if head else ""
    pages = []
    for top, bottom in slices:
        pages.append(
            f'<section class="page"><svg{attributes} width="{width * scale:.2f}mm" '
            f'height="{(bottom - top) * scale:.2f}mm" viewBox="0 {top:.1f} {width:.1f} {bottom - top:.1f}">'
            f"{inner}</svg></section>"
        )
    css = (
        f"@page {{ size: {page_w}mm {page_h}mm; margin: 0; }} html, body {{ margin: 0; background: #fff; }} "
        f".page {{ width: {page_w}mm; height: {page_h}mm; box-sizing: border-box; padding: {MARGIN_MM}mm; "
        "overflow: hidden; break-after: page; } .page:last-child { break-after: auto; } svg { display: block; }"
    )
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title.group(1) if title else 'citykg'}</title><style>{css}</style></head>"
        f"<body>{''.join(pages)}</body></html>"
    )
    return document, landscape
