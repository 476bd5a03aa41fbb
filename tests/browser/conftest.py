"""Headless Chromium (Debian's chromium and chromium-driver) driven by selenium.

Never a browser a test tool downloads: the binary and the driver are the system's, installed
by scripts/setup-system.sh --browser. A failing test leaves a screenshot and the page's HTML
in build/browser-failures/ (or $IERKG_SCREENSHOTS).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from ..web_server import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FAILURES = Path(
    os.environ.get("IERKG_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "browser-failures")
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> str:
    env = {"TMPDIR": str(tmp_path_factory.mktemp("browser-server-tmp"))}
    with running_server(env=env) as base:
        yield base


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Chromium and ChromeDriver are missing: run scripts/setup-system.sh --browser")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium, request):
    """The shared browser, with a screenshot and the HTML saved if the test fails."""
    chromium.get_log("browser")  # start each test with empty logs
    chromium.get_log("performance")
    yield chromium
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        stem = FAILURES / request.node.name.replace("/", "_")
        chromium.save_screenshot(str(stem.with_suffix(".png")))
        stem.with_suffix(".html").write_text(chromium.page_source, encoding="utf-8")
        print(f"screenshot of the failure: {stem.with_suffix('.png')}")
