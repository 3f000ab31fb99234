"""The pairing registry walked through in a real browser, as the people who use it would.

Playwright drives Debian's chromium (`make browser-deps` installs it; no browser is downloaded)
against pytest-django's live server, with the programme's starting record loaded. The browser
asks for English (Accept-Language: en-US) on purpose: the UI must still start in Chinese.
"""

import re
from collections.abc import Callable
from functools import partial

import pytest
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import log_in, save_screenshot
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.browser


def log_out(page: Page) -> None:
    page.locator("header").get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("#id_username")).to_be_visible()


def map_lines(page: Page) -> int:
    """Open the overview, wait for ECharts to draw the map, and count the pair lines on it."""
    page.goto("/")
    page.locator("#map canvas").first.wait_for()
    page.locator("#map[data-lines]").wait_for(state="attached")
    count = int(page.locator("#map").get_attribute("data-lines") or "-1")
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('map'))"
        ".getOption().series[0].data.length"
    )
    assert drawn == count, "the map draws as many lines as it reports"
    return count


screenshot = partial(save_screenshot, prefix="pairings")


def test_supervisor_sees_the_map_and_tianjin_henan_sub_pairs(
    page: Page, supervisor: User, page_errors: list[str]
) -> None:
    log_in(page, supervisor)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert map_lines(page) > 20
    screenshot(page, "overview")

    page.get_by_role("navigation").get_by_role("link", name="结对").click()
    expect(page).to_have_url(re.compile(r"/pairings/$"))
    page.locator("form.filters select[name=province]").select_option(label="天津市")
    expect(page).to_have_url(re.compile(r"province=120000"))  # htmx pushes the filter
    row = (
        page.locator("#pairing-table tbody tr")
        .filter(has=page.get_by_role("link", name="天津市", exact=True))
        .filter(has=page.get_by_role("link", name="河南省", exact=True))
    )
    expect(row).to_have_count(1)
    row.get_by_role("link", name="天津市", exact=True).click()

    expect(page.locator("#pairing-title")).to_have_text("天津市 — 河南省")
    sub_pairs = page.locator("#sub-pairs tbody tr")
    expect(sub_pairs).to_have_count(4)
    pairs = {tuple(r.locator("td").all_inner_texts()[:2]) for r in sub_pairs.all()}
    assert pairs == {
        ("和平区", "信阳市"),
        ("河西区", "南阳市"),
        ("南开区", "许昌市"),
        ("北辰区", "平顶山市"),
    }
    screenshot(page, "pair")
    assert page_errors == []


def test_ningbo_proposes_gansu_accepts_and_the_map_gains_a_line(
    page: Page,
    open_browser: Callable[[], Page],
    supervisor: User,
    ningbo: User,
    gansu: User,
    page_errors: list[str],
) -> None:
    # The Ministry's national map, watched from another computer before and after.
    national = open_browser()
    log_in(national, supervisor)
    lines_before = map_lines(national)

    log_in(page, ningbo)
    page.goto("/pairings/new/")
    page.fill("#id_leading", "330200 宁波市")
    page.fill("#id_partner", "甘肃省")
    page.get_by_role("button", name="提交提议").click()
    expect(page).to_have_url(re.compile(r"/pairings/\d+/$"))
    expect(page.locator("#pairing-title")).to_have_text("宁波市 — 甘肃省")
    expect(page.locator("#pairing-status")).to_have_text("待确认")
    pair_url = page.url
    screenshot(page, "proposed")
    log_out(page)

    log_in(page, gansu)
    page.goto(pair_url)
    expect(page.locator("#pairing-status")).to_have_text("待确认")
    page.click("#accept-button")
    expect(page.locator("#pairing-status")).to_have_text("协作中")
    expect(page.locator("#accept-button")).to_have_count(0)
    # 甘肃 had no pair before: its own map now shows exactly this one.
    assert map_lines(page) == 1
    screenshot(page, "gansu-overview")

    assert map_lines(national) == lines_before + 1
    pairing = Pairing.objects.get(leading_region_id="330200", partner_region_id="620000")
    assert pairing.status == Pairing.Status.ACTIVE
    assert page_errors == []


def test_outsider_gets_404_for_a_pair_of_others(
    page: Page, jiangxi: User, pair: Callable[[str, str], Pairing]
) -> None:
    shenzhen_sichuan = pair("440300", "510000")
    log_in(page, jiangxi)
    response = page.goto(f"/pairings/{shenzhen_sichuan.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("深圳市")


def test_self_pair_shows_the_error_beside_the_field_and_creates_nothing(
    page: Page, ningbo: User
) -> None:
    log_in(page, ningbo)
    before = Pairing.objects.count()
    page.goto("/pairings/new/")
    page.fill("#id_leading", "宁波市")
    page.fill("#id_partner", "宁波市")
    page.get_by_role("button", name="提交提议").click()
    expect(page).to_have_url(re.compile(r"/pairings/new/$"))
    partner_field = page.locator(".field.has-error").filter(has=page.locator("#id_partner"))
    expect(partner_field.locator(".field-errors")).to_contain_text("一个地区不能与自身结对")
    expect(page.locator("#id_partner")).to_have_value("宁波市")
    assert Pairing.objects.count() == before


def test_choosing_english_switches_the_interface(page: Page, jiangxi: User) -> None:
    log_in(page, jiangxi)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")  # Chinese although the browser asks en
    page.locator("header select[name=language]").select_option("en")  # submits on change
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("header select[name=language]")).to_have_value("en")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("django_language") == "en"
    page.goto("/pairings/")
    expect(html).to_have_attribute("lang", "en")  # the choice sticks across pages
