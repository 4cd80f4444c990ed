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


def test_no_table_needs_sideways_scrolling_in_the_content_column(site, browser):
    base, html = site
    wide = []
    for page in _pages(html):
        browser.get(base + page)
        wide += [f"{page}: {table} px in a column of {column} px ({header})"
                 for table, column, header in browser.execute_script(_OVERFLOW)]
    assert not wide, "\n".join(wide)
