"""Prints for meetings and slides: a page as PDF (Chromium's print to PDF) or PNG, A4 or 16:9.

The page is loaded with every request refused (it carries everything inline), printed at the paper size of
its ``@page`` rule, and the result is checked to be what its suffix says.
"""

from __future__ import annotations

import re

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
