"""Prints of the map and the timeline (issue 13): PDF and PNG chosen by the -o suffix, A4 or a 16:9 slide, and
PDFs that open (pdftoppm renders page 1, pdftotext finds its title), on the real graph. Without chromium or
poppler-utils the tests are skipped, and fail with CI=true (scripts/install_test_components.sh installs them).
The commands print with Playwright's sync API, so this module holds no browser of its own (the overlap of
map labels is tested in tests/test_views_browser.py).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from citykg.cli import main
from citykg.config import Project
from citykg.views.render import chromium_path


def _need(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the print tests must run)")
    pytest.skip(reason)


@pytest.fixture
def run(project: Project, built):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])

    return invoke


def _pdf_tools() -> None:
    if not all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext", "pdfinfo")):
        _need("needs pdftoppm, pdftotext and pdfinfo (apt-get install poppler-utils)")
    if chromium_path() is None:
        _need("no chromium at /usr/bin/chromium (apt-get install chromium)")


def _page_size(pdf: Path) -> tuple[float, float, int]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    return width, height, int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.parametrize(
    ("command", "page", "title", "orientation"),
    [
        ("map", "a4", "Dortmund und seine Partnerstädte", "landscape"),
        ("map", "slide", "Dortmund und seine Partnerstädte", "slide"),
        ("timeline", "a4", "Zeitleiste: Dortmund", "portrait"),
        ("timeline", "slide", "Zeitleiste: Dortmund", "slide"),
    ],
)
def test_pdf_opens_with_its_title(run, tmp_path: Path, command: str, page: str, title: str, orientation: str) -> None:
    _pdf_tools()
    out = tmp_path / f"{command}.pdf"
    result = run(command, "--page", page, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")  # never HTML in a .pdf
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    rendered = list(tmp_path.glob("page*.png"))
    assert rendered and rendered[0].read_bytes().startswith(b"\x89PNG")
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True)
    assert title in first.stdout
    width, height, pages = _page_size(out)
    if orientation == "slide":
        assert abs(width / height - 16 / 9) < 0.01
    elif orientation == "landscape":
        assert (round(width), round(height)) == (842, 595)  # A4 in points
    else:
        assert (round(width), round(height)) == (595, 842)
    if command == "timeline" and orientation == "portrait":
        assert pages == 1  # 91 rows fit one A4 page with shorter rows (timeline_print), at ~97 % of its width
    elif command == "timeline":
        assert pages >= 2  # not even short rows fit a slide at a readable size: cut between rows
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"Title:\s+{re.escape(title)}", info)


@pytest.mark.parametrize("command", ["map", "timeline"])
def test_png_on_a_slide(run, tmp_path: Path, command: str) -> None:
    _pdf_tools()
    out = tmp_path / f"{command}.png"
    result = run(command, "--page", "slide", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 2560 and height >= 1440  # 1280 × 720 CSS pixels at twice the resolution, pages stacked


def test_output_kind_comes_from_the_suffix(run, tmp_path: Path) -> None:
    earlier = tmp_path / "map.txt"
    earlier.write_text("kept", encoding="utf-8")
    result = run("map", "-o", str(earlier))
    assert result.exit_code == 2 and ".pdf" in result.output and earlier.read_text(encoding="utf-8") == "kept"
    result = run("map", "--format", "svg", "-o", str(tmp_path / "map.pdf"))
    assert result.exit_code == 2 and not (tmp_path / "map.pdf").exists()
    result = run("timeline", "-o", str(tmp_path / "timeline.svg"))
    assert result.exit_code == 0 and (tmp_path / "timeline.svg").read_text(encoding="utf-8").startswith("<svg")


def test_timeline_print_rows(project: Project, built) -> None:
    """A4: the tallest rows at which the Dortmund timeline fits one page without shrinking much; a slide keeps
    the normal rows and the cut between rows; a drawing that fits as it is keeps the normal rows."""
    from citykg.views import ViewOptions
    from citykg.views import project as projection
    from citykg.views.prints import drawing_document, one_page_scale
    from citykg.views.timeline import timeline_model, timeline_print
    from citykg.views.timeline.model import ROW_H, SECTION_H

    real = projection(built.dataset)
    model = timeline_model(real, ViewOptions(lang="de"))
    svg, breaks = timeline_print(model, "de", "a4")
    assert (
        one_page_scale(svg, "a4") is not None
        and drawing_document(svg, "a4", breaks=breaks)[0].count('class="page"') == 1
    )
    heights = {b - a for a, b in itertools.pairwise(breaks)}
    assert max(heights - {SECTION_H}) < ROW_H  # shorter rows than on screen
    slide, slide_breaks = timeline_print(model, "de", "slide")
    assert one_page_scale(slide, "slide") is None and ROW_H in {b - a for a, b in itertools.pairwise(slide_breaks)}
    assert drawing_document(slide, "slide", breaks=slide_breaks)[0].count('class="page"') >= 2
    short = timeline_model(real, ViewOptions(lang="de", kinds=("twinning",)))
    assert len(short.rows) < 20 and f'height="{ROW_H}"' in timeline_print(short, "de", "a4")[0]
