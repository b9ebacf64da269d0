"""Open the built site in headless Chromium and check that it renders.

``python docs/_tools/check_render.py [docs/_build/html]`` serves the build on
127.0.0.1 and opens four pages: the index, a gallery example, an API page
and a user-guide page with equations. On each it checks that there are no
console errors, that every image loaded (the gallery page must show at least
one figure),
that every equation was typeset by MathJax (``mjx-container`` elements, no
``mjx-merror``), and it saves a screenshot into ``_screenshots/`` of the build
folder and checks that it is not blank. It also follows links (index -> user
guide -> a guide page -> back to the index) and checks where they land.
Chromium and its driver are Debian's ``chromium`` and ``chromium-driver``;
the browser runs headless with its sandbox, GPU, background networking and
first-run work off, on a fresh profile. Exits 1 with a list of failures.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1000",
]
API_PAGE = "api/generated/neurosim.LIFRate.html"  # its docstring has equations


class Check:
    """Collects failures instead of stopping at the first one."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, ok: bool, what: str) -> None:
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failures.append(what)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _driver(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)


def _open(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _math_done(driver: webdriver.Chrome) -> bool:
    return bool(
        driver.execute_script(
            "const n = document.querySelectorAll('.math').length;"
            "return n === 0 || document.querySelectorAll("
            "'.math mjx-container').length >= n;"
        )
    )


def check_page(driver, check: Check, url: str, name: str, shots: Path, *,
               figures: int = 0, math: bool = False) -> None:  # fmt: skip
    """Images, equations, console and screenshot of one page."""
    _open(driver, url)
    n_math = driver.execute_script("return document.querySelectorAll('.math').length")
    if math:
        check(n_math > 0, f"{name}: has equations ({n_math})")
    if n_math:
        try:
            WebDriverWait(driver, 30).until(_math_done)
            typeset = True
        except Exception:
            typeset = False
        n_out = driver.execute_script(
            "return document.querySelectorAll('.math mjx-container').length"
        )
        check(typeset, f"{name}: MathJax typeset {n_out} of {n_math} equations")
        n_err = driver.execute_script(
            "return document.querySelectorAll('mjx-merror').length"
        )
        check(n_err == 0, f"{name}: no MathJax errors ({n_err})")
    images = driver.execute_script(
        "return Array.from(document.images).map("
        "i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]);"
    )
    broken = [src for src, ok in images if not ok]
    check(not broken, f"{name}: all {len(images)} images loaded {broken or ''}")
    if figures:
        n_fig = driver.execute_script(
            "return document.querySelectorAll('img.sphx-glr-single-img,"
            " img.sphx-glr-multi-img').length"
        )
        check(n_fig >= figures, f"{name}: shows {n_fig} gallery figure(s)")
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, f"{name}: no console errors {errors or ''}")
    shot = shots / f"{name}.png"
    driver.save_screenshot(str(shot))
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    check(
        pixels.std() > 10 and len(np.unique(pixels)) > 16,
        f"{name}: screenshot {shot.name} not blank (std {pixels.std():.1f})",
    )


def check_navigation(driver, check: Check, base: str) -> None:
    """Follow the index's links to the guide and a guide page, and back."""
    _open(driver, base + "index.html")
    link = driver.find_element(By.CSS_SELECTOR, "a[href$='guide/index.html']")
    link.click()
    WebDriverWait(driver, 30).until(
        lambda d: d.current_url.endswith("guide/index.html")
    )
    h1 = driver.find_element(By.TAG_NAME, "h1").text
    check("User guide" in h1, f"navigation: index -> user guide ({h1!r})")
    driver.find_element(By.CSS_SELECTOR, ".bd-article a[href$='neurons.html']").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("neurons.html"))
    h1 = driver.find_element(By.TAG_NAME, "h1").text
    check("Neurons" in h1, f"navigation: guide -> neurons page ({h1!r})")
    driver.find_element(By.CSS_SELECTOR, "a.navbar-brand").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("index.html"))
    check(
        driver.current_url.rstrip("/").endswith("/index.html")
        and "guide" not in driver.current_url,
        f"navigation: logo -> index ({driver.current_url})",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "build",
        nargs="?",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "_build" / "html",
        help="the built site (default: docs/_build/html)",
    )
    args = parser.parse_args()
    root = args.build.resolve()
    gallery = sorted(root.glob("auto_examples/*/[0-9][0-9]_*.html"))
    pages = [
        ("index", "index.html", {}),
        ("api", API_PAGE, {"math": True}),
        ("guide", "guide/nef.html", {"math": True}),
    ]
    if gallery:
        example = gallery[0].relative_to(root).as_posix()
        pages.insert(1, ("gallery", example, {"figures": 1}))
    check = Check()
    check(bool(gallery), f"gallery pages found ({len(gallery)})")
    shots = root / "_screenshots"
    shots.mkdir(exist_ok=True)
    server, base = _serve(root)
    with tempfile.TemporaryDirectory(prefix="neurosim-chromium-") as profile:
        driver = _driver(profile)
        try:
            for name, page, kw in pages:
                check_page(driver, check, base + page, name, shots, **kw)
            check_navigation(driver, check, base)
        finally:
            driver.quit()
            server.shutdown()
    print(f"screenshots in {shots}")
    if check.failures:
        print(f"{len(check.failures)} rendering check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
