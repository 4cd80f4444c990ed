"""The built site as a reader sees it: the smoke build served on 127.0.0.1 and read by headless Chromium.

Every page loads, its images have a size, MathJax has typeset every formula, no cell output shows an error,
every internal link resolves, and the search page finds "homotopy". A screenshot of each page is saved in
``_build/screenshots/`` of the build. Skipped, with the reason, only where no Chromium and driver are found
(``.ci/run`` installs Debian's ``chromium`` and ``chromium-driver`` when they are missing).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="no Chromium and chromedriver on PATH "
                                "(apt-get install chromium chromium-driver)")

_TYPESET = """
const done = arguments[arguments.length - 1];
if (!document.querySelector('script[src*="mathjax"], script[src*="tex-chtml"]')) { done(false); }
else {
  const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
      ? MathJax.startup.promise.then(() => done(true)) : setTimeout(wait, 100);
  wait();
}
"""


@pytest.fixture(scope="module")
def site(smoke_book):
    """The smoke build served over HTTP on 127.0.0.1, for the duration of this module."""
    project, result = smoke_book
    assert result.returncode == 0
    html = project / "_build" / "html"
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", html
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def _pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name != "genindex.html")


def test_every_page_loads_typesets_and_shows_no_error(site, browser):
    base, html = site
    shots = html.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    problems, internal = [], set()
    for page in _pages(html):
        browser.get(base + page)
        browser.execute_async_script(_TYPESET)
        text = browser.find_element("tag name", "main").text if browser.find_elements("tag name", "main") \
            else browser.find_element("tag name", "body").text
        broken = browser.execute_script(
            "return [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        problems += [f"{page}: image {src} did not load" for src in broken]
        problems += [f"{page}: untypeset math {marker!r}" for marker in ("$$", "\\(", "\\[") if marker in text]
        if browser.find_elements("css selector", ".output.error, .output.traceback") or "Traceback" in text:
            problems.append(f"{page}: a cell shows an error")
        for href in browser.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)"):
            url = urldefrag(href).url
            if urlparse(url).netloc == urlparse(base).netloc:
                internal.add((page, url))
        browser.save_screenshot(str(shots / (page.replace("/", "_").removesuffix(".html") + ".png")))
    for page, url in sorted(internal):
        try:
            urllib.request.urlopen(url, timeout=10).close()
        except urllib.error.URLError as e:
            problems.append(f"{page}: link {url} does not resolve ({e})")
    assert not problems, "\n".join(problems)
    assert len(list(shots.glob("*.png"))) == len(_pages(html))


def test_the_first_screen_of_a_chapter_starts_with_its_text(site, browser):
    base, _ = site
    browser.get(base + "book/generated/equilibria.html")
    browser.execute_async_script(_TYPESET)
    first = browser.execute_script(
        "const p = document.querySelector('main p'); return p.getBoundingClientRect().top;")
    assert 0 < first < 800  # the provenance block is collapsed to one line above the first paragraph
    assert not browser.find_element("css selector", ".dropdown table").is_displayed()


def test_search_finds_homotopy(site, browser):
    base, _ = site
    browser.get(urljoin(base, "search.html?q=homotopy"))
    links = WebDriverWait(browser, 30).until(lambda d: d.find_elements("css selector", "#search-results li a"))
    assert any("equilibria" in link.get_attribute("href") for link in links)


_OVERFLOW = """
document.querySelectorAll('details').forEach(d => { d.open = true; });
const column = document.querySelector('article.bd-article') || document.querySelector('main');
const width = column.getBoundingClientRect().width;
return [...column.querySelectorAll('table')].filter(t => t.getBoundingClientRect().width > 0)
    .map(t => [Math.round(t.scrollWidth), Math.round(width),
               [...t.querySelectorAll('thead th')].map(th => th.textContent.trim()).join(' | ').slice(0, 100)])
    .filter(([table, column]) => table > column + 1);
"""

#: Words of a table header that the browser broke across two lines (a word's text spans two line boxes)
_SPLIT_HEADERS = """
const split = [];
for (const th of document.querySelectorAll('th')) {
  if (!th.getBoundingClientRect().width) continue;
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/[^\\s\\-–]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) split.push(m[0]);
    }
  }
}
return split;
"""

#: Displayed equations and code blocks whose content is wider than their box, which does not scroll: cut off or
#: spilling over what follows
_CUT_OFF = """
const column = document.querySelector('article.bd-article') || document.querySelector('main');
return [...column.querySelectorAll('pre, mjx-container[display="true"], div.math')]
    .filter(e => e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1
                 && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 60));
"""


def test_tables_fit_headers_keep_their_words_and_nothing_wide_is_cut_off(site, browser):
    """At 1280 px: no table needs sideways scrolling in the content column, no header word is broken across
    lines, and every displayed equation or code block wider than its box scrolls inside it."""
    base, html = site
    wide = []
    for page in _pages(html):
        browser.get(base + page)
        browser.execute_async_script(_TYPESET)
        wide += [f"{page}: {table} px in a column of {column} px ({header})"
                 for table, column, header in browser.execute_script(_OVERFLOW)]
        wide += [f"{page}: the header word {word!r} is broken across lines"
                 for word in browser.execute_script(_SPLIT_HEADERS)]
        wide += [f"{page}: {what} is wider than its box and does not scroll"
                 for what in browser.execute_script(_CUT_OFF)]
    assert not wide, "\n".join(wide)


def test_the_figures_are_shown_in_the_column_the_plotting_module_sizes_them_for(site, browser):
    """:data:`lstmdyn.book.plotting.COLUMN_PX` is the width at which a chapter shows a figure wider than it; the
    smallest-text check of every figure depends on it."""
    from lstmdyn.book.plotting import COLUMN_PX, DPI

    base, _ = site
    browser.get(urljoin(base, "book/generated/lstm_model.html"))
    shown = browser.execute_script(
        "return [...document.querySelectorAll('.cell_output img')].map(i => [i.naturalWidth, "
        "i.getBoundingClientRect().width]);")
    assert shown, "no figure on the page"
    for natural, width in shown:
        assert width == pytest.approx(min(natural, COLUMN_PX), abs=2), (natural, width, DPI)
