"""The web pages in a real browser: clicking, typing, running a query, uploading, and axe-core.

Each test drives headless Chromium the way a person would, and every page is also checked to
load nothing from any other server (the browser's own network log) and to break no rule of
its Content-Security-Policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as until
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SAMPLE = REPO / "examples" / "sample.csv"


def wait(browser, seconds: float = 15) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def requests_made(browser) -> list[str]:
    """Every URL the page asked the network for, from Chromium's performance log."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_stayed_home(browser, server: str) -> None:
    host = urlsplit(server).netloc
    outside = [
        u
        for u in requests_made(browser)
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != host
    ]
    assert not outside, f"the page reached other servers: {outside}"
    blocked = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not blocked, f"the page broke its Content-Security-Policy: {blocked}"


def test_the_home_page_leads_into_the_2x2(browser, server: str):
    browser.get(server + "/")
    cell = browser.find_element(By.LINK_TEXT, "intrinsic response-dependent regulation")
    mechanisms = browser.find_element(
        By.CSS_SELECTOR, '[aria-label="Mechanisms of intrinsic response-dependent regulation"]'
    )
    assert [a.text for a in mechanisms.find_elements(By.TAG_NAME, "a")] == ["affiliation", "safety signals"]
    assert_stayed_home(browser, server)
    cell.click()
    wait(browser).until(until.url_contains("/ierkg/IntrinsicResponseDependentRegulation"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "intrinsic response-dependent regulation"
    current = browser.find_element(By.CSS_SELECTOR, "table.framework td.current")
    assert "intrinsic response-dependent regulation" in current.text
    browser.get(server + "/")
    browser.find_element(By.LINK_TEXT, "warm glow").click()
    wait(browser).until(until.url_contains("/ierkg/WarmGlow"))
    assert (
        "It belongs to extrinsic response-independent regulation" in browser.find_element(By.ID, "main").text
    )


def test_a_concept_page(browser, server: str):
    browser.get(server + "/ierkg/Venting")
    assert browser.find_element(By.TAG_NAME, "h1").text == "venting"
    main = browser.find_element(By.ID, "main").text
    assert "Definition" in main and "Citations" in main and "Used by" in main
    picture = browser.find_element(By.CSS_SELECTOR, "svg.neighbourhood")
    assert picture.size["width"] > 300 and picture.find_elements(By.CSS_SELECTOR, "a text")
    assert_stayed_home(browser, server)


def test_a_strategy_page_shows_its_place_in_the_2x2_in_words(browser, server: str):
    browser.get(server + "/ierkg/Venting")
    section = browser.find_element(By.CSS_SELECTOR, "section.placement")
    row = section.find_elements(By.CSS_SELECTOR, "table.framework td.possible")
    # The whole row is marked, each cell saying so in visible words, and no single cell is claimed.
    assert [td.find_element(By.CSS_SELECTOR, ".marker").text for td in row] == [
        "Its row; the column is not stated."
    ] * 2
    assert all(td.find_element(By.CSS_SELECTOR, ".marker").is_displayed() for td in row)
    assert not section.find_elements(By.CSS_SELECTOR, "td.current")
    assert "the sources do not place it in a column" in section.text
    section.find_element(By.LINK_TEXT, "Zaki & Williams 2013").click()
    wait(browser).until(until.url_contains("/ierkg/ref/ZakiWilliams2013"))
    browser.get(server + "/ierkg/SharingGoodNews")
    here = browser.find_element(By.CSS_SELECTOR, "section.placement td.current")
    assert "intrinsic response-dependent regulation" in here.text and "It sits here." in here.text
    assert_stayed_home(browser, server)


def test_search_with_autocomplete(browser, server: str):
    browser.get(server + "/")
    box = browser.find_element(By.ID, "site-search-q")
    box.send_keys("vent")
    options = wait(browser).until(
        until.visibility_of_all_elements_located((By.CSS_SELECTOR, "#site-search-options [role=option]"))
    )
    assert options[0].text.startswith("venting")
    assert box.get_attribute("aria-expanded") == "true"
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == options[0].get_attribute("id")
    box.send_keys(Keys.ENTER)
    wait(browser).until(until.url_contains("/ierkg/Venting"))
    assert_stayed_home(browser, server)


def test_the_hierarchy_tree_works_from_the_keyboard(browser, server: str):
    browser.get(server + "/hierarchy")
    # Roving tabindex: the whole tree is one tab stop, and its links are not tab stops.
    stops = browser.find_elements(By.CSS_SELECTOR, '[role=tree] [tabindex="0"]')
    assert len(stops) == 1 and stops[0].get_attribute("role") == "treeitem"
    assert not browser.find_elements(By.CSS_SELECTOR, '[role=tree] a:not([tabindex="-1"])')

    def visible() -> list:
        return [i for i in browser.find_elements(By.CSS_SELECTOR, "[role=treeitem]") if i.is_displayed()]

    def active():
        return browser.switch_to.active_element

    top = visible()
    browser.execute_script("arguments[0].focus()", top[0])
    active().send_keys(Keys.END)
    assert active() == top[-1]
    active().send_keys(Keys.HOME)
    assert active() == top[0]
    active().send_keys(Keys.ARROW_DOWN)
    assert active() == top[1]
    active().send_keys(Keys.ARROW_UP)
    assert active() == top[0]
    assert active().get_attribute("tabindex") == "0" and top[1].get_attribute("tabindex") == "-1"

    closed = next(i for i in visible() if i.get_attribute("aria-expanded") == "false")
    browser.execute_script("arguments[0].focus()", closed)
    hidden_child = closed.find_element(By.CSS_SELECTOR, "[role=treeitem]")
    assert not hidden_child.is_displayed()
    active().send_keys(Keys.ARROW_RIGHT)  # opens
    assert closed.get_attribute("aria-expanded") == "true" and hidden_child.is_displayed()
    active().send_keys(Keys.ARROW_RIGHT)  # moves into the branch
    assert active() == hidden_child
    active().send_keys(Keys.ARROW_LEFT)  # back to the parent
    assert active() == closed
    active().send_keys(Keys.ARROW_LEFT)  # closes
    assert closed.get_attribute("aria-expanded") == "false" and not hidden_child.is_displayed()
    closed.find_element(By.CSS_SELECTOR, ".toggle").click()  # the mouse opens it too
    assert closed.get_attribute("aria-expanded") == "true"

    target = closed.find_element(By.TAG_NAME, "a").get_attribute("href")
    browser.execute_script("arguments[0].focus()", closed)
    active().send_keys(Keys.ENTER)
    wait(browser).until(until.url_to_be(target))


def test_a_named_query_runs_in_yasgui(browser, server: str):
    browser.get(server + "/sparql")
    wait(browser).until(until.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    link = browser.find_element(By.LINK_TEXT, "Mechanisms in each cell of the 2x2")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    wait(browser).until(until.url_contains("tabTitle="))
    wait(browser).until(
        lambda b: "isMechanismOf" in b.execute_script("return window.ierkgYasgui.getTab().getQuery()")
    )
    query = browser.execute_script("return window.ierkgYasgui.getTab().getQuery()")
    assert "isMechanismOf" in query
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait(browser, 30).until(
        until.presence_of_all_elements_located((By.CSS_SELECTOR, ".yasr .dataTable tbody tr"))
    )
    assert len(rows) == 5 and "safety signals" in browser.find_element(By.CSS_SELECTOR, ".yasr").text
    assert_stayed_home(browser, server)


def test_uploading_a_dataset(browser, server: str):
    browser.get(server + "/validate")
    browser.find_element(By.ID, "file").send_keys(str(SAMPLE))
    browser.find_element(By.ID, "scale").send_keys("1-7")
    browser.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    # The upload page has an h1 too: wait for the report's, not whichever is there first
    wait(browser).until(until.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Report for"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Report for sample.csv"
    assert "10 rows read" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert browser.find_elements(By.CSS_SELECTOR, "section.rule.violation table tbody tr")
    assert_stayed_home(browser, server)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/ierkg/Venting",
        "/ierkg/SharingGoodNews",
        "/ierkg/CognitiveReappraisal",
        "/ierkg/IntrinsicResponseDependentRegulation",
        "/ierkg/ref/ZakiWilliams2013",
        "/hierarchy",
        "/a-z",
        "/strategies",
        "/citations",
        "/search?q=regulation",
        "/downloads",
        "/validate",
        "/sparql",
    ],
)
def test_no_serious_or_critical_accessibility_violations(browser, server: str, path: str):
    browser.get(server + path)
    if path == "/sparql":
        wait(browser).until(until.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    results = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));"
    )
    assert isinstance(results, list), results
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
