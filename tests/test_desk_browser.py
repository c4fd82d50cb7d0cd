"""The whole cycle in a real browser (Debian's chromium, driven by selenium through
chromium-driver) against a real `xltools serve`: a unit uploads a workbook with a
mistake, sees the finding, uploads the fixed one; the office returns it with a
note; the unit sees the note and uploads again; the office approves and merges;
the summary downloads and passes `check`. Screenshots at desktop and phone width
are kept (DESK_SCREENSHOTS=folder keeps them there too)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from desk_helpers import EDUCATION, FINANCE, make_desk, token, workbook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN"]


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None or not Path(DRIVER).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are required in CI: .ci/run installs them")
        pytest.skip("chromium or chromium-driver is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.downloads = downloads
    driver.set_window_size(1280, 1000)
    yield driver
    driver.quit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    from datetime import date, timedelta

    due = date.today() + timedelta(days=20)  # a desk in the middle of its January
    made = make_desk(tmp_path / "审核台", submit_by=due, publish_by=due)
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "xltools", "serve", str(made.desk.folder), "--port", str(port),
                                "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/office/login", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("xltools serve did not start: " + process.stdout.read().decode(errors="replace"))
            time.sleep(0.3)
    yield made, base
    process.terminate()
    process.wait(timeout=30)


def _shots(driver, tmp_path: Path, name: str) -> None:
    """The page at desktop and at phone width, as tall as its content."""
    keep = os.environ.get("DESK_SCREENSHOTS")
    for label, width in (("desktop", 1280), ("phone", 390)):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(height + 120, 6000))
        driver.execute_script("window.scrollTo(0, 0)")
        path = tmp_path / f"{name}-{label}.png"
        driver.save_screenshot(str(path))
        assert path.stat().st_size > 5000
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        # the page fits the phone: nothing wider than the screen but what scrolls inside its own box
        if label == "phone":
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width + 1, name
    driver.set_window_size(1280, 1000)


def _upload(driver, path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "file").send_keys(str(path))
    driver.find_element(By.ID, "upload").click()


def _wait_text(driver, text: str, timeout: float = 30) -> None:
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d) -> bool:
        try:
            return text in d.find_element("tag name", "body").text
        except StaleElementReferenceException:  # the page was being replaced by the next one
            return False
        except WebDriverException as exc:  # chromedriver's words for the same race
            if "does not belong to the document" in str(exc):
                return False
            raise

    WebDriverWait(driver, timeout).until(shown)


def test_the_whole_cycle_in_a_browser(server, browser, tmp_path, cli):
    from selenium.webdriver.common.by import By

    made, base = server
    unit_url = f"{base}/u/{token(made.desk.folder, EDUCATION)}"
    # the unit: a workbook with a mistake, its finding at once, then the fixed one
    browser.get(unit_url)
    assert "状态\n未报送" in browser.find_element(By.TAG_NAME, "body").text or "未报送" in browser.page_source
    _upload(browser, workbook(tmp_path / "教育局年报.xlsx", mistake=True))
    _wait_text(browser, "第 1 版：1 个错误，1 个警告")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "错误 R4 复议诉讼总计不符 四、复议诉讼!E6" in body
    assert "四、复议诉讼!E6（行政复议 / 总计）应为 3（A6+B6+C6+D6 = 1+0+0+2），实际为 4。" in body
    _shots(browser, tmp_path, "1-unit-finding")
    _upload(browser, workbook(tmp_path / "教育局年报-改.xlsx"))
    _wait_text(browser, "第 2 版：检查通过，没有发现问题")
    browser.get(f"{base}/u/{token(made.desk.folder, FINANCE)}")
    _upload(browser, workbook(tmp_path / "财政局年报.xlsx", FINANCE, mistake=True))
    _wait_text(browser, "第 1 版：1 个错误")

    # the office: signs in, opens the unit, returns it with a note of its own
    browser.get(f"{base}/office")
    browser.find_element(By.ID, "password").send_keys(made.password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_text(browser, "示例县2023年度年报报送情况")
    _shots(browser, tmp_path, "2-board")
    browser.find_element(By.LINK_TEXT, EDUCATION).click()
    _wait_text(browser, "退回第 2 版")
    note = browser.find_element(By.ID, "note")
    note.clear()
    note.send_keys("第五部分“存在的主要问题及改进情况”请写明具体问题和整改措施。")
    browser.find_element(By.ID, "return").click()
    _wait_text(browser, "县政务公开办的退回意见")

    # the unit sees the note and uploads again
    browser.get(unit_url)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "第五部分“存在的主要问题及改进情况”请写明具体问题和整改措施。" in body and "已退回" in body
    _shots(browser, tmp_path, "3-unit-note")
    _upload(browser, workbook(tmp_path / "教育局年报-再改.xlsx"))
    _wait_text(browser, "第 3 版：检查通过")

    # the office approves, compares, merges and downloads the summary
    browser.get(f"{base}/office")
    browser.find_element(By.LINK_TEXT, EDUCATION).click()
    _wait_text(browser, "备案第 3 版")
    browser.find_element(By.ID, "compare").click()
    _wait_text(browser, "示例县教育局：第 2 版 → 第 3 版")
    _shots(browser, tmp_path, "5-compare")
    browser.back()
    _shots(browser, tmp_path, "4-office-unit")
    browser.find_element(By.ID, "approve").click()
    _wait_text(browser, "记录发布")
    browser.get(f"{base}/office")
    browser.find_element(By.ID, "merge").click()
    _wait_text(browser, "已汇总：")
    link = browser.find_element(By.CSS_SELECTOR, "#merged a")
    name = link.text
    link.click()
    summary = browser.downloads / name
    deadline = time.monotonic() + 30
    while not summary.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert summary.exists(), list(browser.downloads.iterdir())
    checked = cli("check", str(summary))
    assert checked.exit_code == 0, checked.output
    import openpyxl

    rows = {r[0]: r[2] for r in openpyxl.load_workbook(summary)["上报情况"].iter_rows(min_row=2, values_only=True)}
    assert (rows[EDUCATION], rows[FINANCE]) == ("已汇总", "未备案")


def _luminance(rgb: tuple[float, ...]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: tuple[float, ...], two: tuple[float, ...]) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _badges(driver) -> list[tuple[str, float]]:
    """Each status badge of the page: its text and the contrast of its text on its
    background as the browser draws them (the first opaque background up its ancestors)."""
    seen = driver.execute_script("""
        const rgb = s => s.match(/[\\d.]+/g).map(Number);
        return [...document.querySelectorAll('.badge')].map(b => {
            let e = b, bg = rgb(getComputedStyle(e).backgroundColor);
            while (bg.length > 3 && bg[3] === 0 && e.parentElement) {
                e = e.parentElement; bg = rgb(getComputedStyle(e).backgroundColor); }
            if (bg.length > 3 && bg[3] === 0) bg = [255, 255, 255];
            return [b.textContent.trim(), rgb(getComputedStyle(b).color), bg];
        });""")
    return [(said, _contrast(tuple(ink), tuple(bg))) for said, ink, bg in seen]


def test_every_status_badge_reads_at_wcag_aa_contrast_on_the_units_page_and_the_board(
        server, browser, tmp_path, cli):
    """Each status badge (on the unit's page beside 状态, in the board's chips and rows)
    has text at 4.5:1 or more against its background as drawn, e.g. 已发布 is not grey on green."""
    from selenium.webdriver.common.by import By

    from xltools.desk.settings import status_word

    made, base = server
    folder = made.desk.folder
    xls = tmp_path / "示例县民政局.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    names = {"pending": "示例县公安局", "returned": FINANCE, "approved": "示例县自然资源局", "published": EDUCATION}
    cli("desk", "add", folder, xls, *(workbook(tmp_path / f"{u}.xlsx", u) for u in names.values()))
    cli("desk", "return", folder, FINANCE, "--note", "请改正。")
    for unit in ("示例县自然资源局", EDUCATION):
        assert cli("desk", "approve", folder, unit).exit_code == 0
    cli("desk", "published", folder, EDUCATION, "--url", "https://www.example.gov.cn/nb.html")
    names |= {"unsubmitted": "示例县人民政府办公室", "unreadable": "示例县民政局"}
    poor = []
    for key, unit in names.items():
        browser.get(f"{base}/u/{token(folder, unit)}")
        if key == "published":
            _shots(browser, tmp_path, "unit-published")
        shown = _badges(browser)
        assert shown[0][0] == status_word(key)
        poor += [(unit, said, round(ratio, 2)) for said, ratio in shown if ratio < 4.5]
    browser.get(base + "/office/login")
    browser.find_element(By.ID, "password").send_keys(made.password)
    browser.find_element(By.ID, "password").submit()
    _wait_text(browser, "示例县人民政府办公室")
    _shots(browser, tmp_path, "board-badges")
    shown = _badges(browser)
    assert {status_word(k) for k in names} <= {said for said, _ in shown}
    poor += [("board", said, round(ratio, 2)) for said, ratio in shown if ratio < 4.5]
    browser.find_element(By.LINK_TEXT, EDUCATION).click()
    _wait_text(browser, "https://www.example.gov.cn/nb.html")
    shown = _badges(browser)
    assert shown[0][0] == status_word("published")
    poor += [("office: " + EDUCATION, said, round(ratio, 2)) for said, ratio in shown if ratio < 4.5]
    assert poor == []
