"""The review app in a real browser: Debian's Chromium driven by Playwright.

The test starts ``proofs review`` (uvicorn) on a free loopback port over a
generated outbox, logs in, opens the flagged application, corrects the misread
tenant name, sees the notice item go, releases, and finds the change in the
audit log. It saves the queue and application screenshots used by the README.
A second test moves a page of a bundled upload (a real batch output, see
regroup_data.py) to another document and sees the notice change.
No browser is downloaded: Playwright launches /usr/bin/chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from review_data import FLAGGED_ID, MISREAD, PASSWORD, build_outbox

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "review" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make install adds it)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    outbox = build_outbox(tmp_path / "outbox")
    yield from serve(outbox, outbox.root, tmp_path)


@pytest.fixture
def bundle_server(tmp_path: Path):
    from regroup_data import build_bundle_outbox

    outbox = build_bundle_outbox(tmp_path / "outbox", tmp_path / "inbox")
    yield from serve(outbox, outbox.root, tmp_path)


def serve(outbox, root: Path, tmp_path: Path):
    """Run ``proofs review`` over ``root`` until the test is done; yields (base URL, outbox)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROOFS_DATABASE_URL"}
    env["PROOFS_REVIEW_SESSION_SECRET"] = "browser-test-" + "s" * 32
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "review",
            "--out",
            str(root),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to ~30 s for imports on a slow machine
            if process.poll() is not None:
                raise RuntimeError((tmp_path / "server.log").read_text())
            try:
                with urllib.request.urlopen(f"{base}/login", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the review server did not start")
        yield base, outbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_clerk_corrects_a_misread_field_and_releases(server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, outbox = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            page.goto(f"{base}/applications/{outbox.ids[FLAGGED_ID]}")
            expect(page).to_have_url(f"{base}/login?next=/applications/{outbox.ids[FLAGGED_ID]}")
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", "not the password")
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_contain_text("Wrong name or password")
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_contain_text(FLAGGED_ID)  # back where it was going

            page.goto(f"{base}/")
            expect(page.locator("h1")).to_have_text("Queue")
            expect(page.locator(f"tr[data-application={FLAGGED_ID}]")).to_contain_text("review")
            page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

            page.click(f"text={FLAGGED_ID}")
            expect(page.locator(".notice-item[data-reason=name_mismatch]")).to_have_count(1)
            page.click("#claim-button")
            expect(page.locator("#claim")).to_contain_text("Claimed by you")

            # the page image loaded, and the misread value's box sits on the word
            image = page.locator("#doc-2 .page img")
            expect(image).to_be_visible()
            assert image.evaluate("img => img.complete && img.naturalWidth") > 0
            box = page.locator('#doc-2 .box[data-field="tenant_name"]')
            image_rect, box_rect = image.bounding_box(), box.bounding_box()
            lease = outbox_lease_box(outbox)
            expected_left = image_rect["x"] + image_rect["width"] * lease[0]
            expected_top = image_rect["y"] + image_rect["height"] * lease[1]
            assert abs(box_rect["x"] - expected_left) < 3 and abs(box_rect["y"] - expected_top) < 3

            # keyboard: the first flagged value is the misread tenant name
            page.locator("body").click(position={"x": 5, "y": 300})
            page.keyboard.press("n")
            focused = page.evaluate("document.activeElement.name")
            assert focused == "field.tenant_name"
            expect(box).to_have_class(lambda_classes("active"))
            assert page.locator("#f-2-tenant_name").input_value() == MISREAD
            page.locator('tr.field[data-field="tenant_name"]').hover()
            page.screenshot(path=str(SCREENSHOTS / "application.png"), full_page=True)

            page.fill("#f-2-tenant_name", "Li Wei")
            page.locator("#doc-2 .save-button").click()
            expect(page.locator(".notice-item[data-reason=name_mismatch]")).to_have_count(0)
            expect(page.locator("#status")).to_have_text("accepted")
            expect(page.locator("#notice-items")).to_contain_text("No supplement needed")
            notice = page.frame_locator("iframe.notice-frame")
            expect(notice.locator("body")).not_to_contain_text("does not name the applicant")

            page.click("#release-button")
            expect(page.locator("#claim")).to_contain_text("Released by alice")
            change = page.locator("#audit-log tr.audit-correct")
            expect(change).to_have_count(1)
            expect(change).to_contain_text("fields.tenant_name")
            expect(change).to_contain_text(MISREAD)
            expect(change).to_contain_text("Li Wei")
            expect(page.locator("#audit-log tr.audit-release")).to_have_count(1)
            assert not errors, errors
        finally:
            browser.close()


def test_clerk_moves_a_page_of_a_bundled_upload_and_the_notice_changes(bundle_server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, outbox = bundle_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{base}/applications/{outbox.row}")
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#status")).to_have_text("accepted")
            expect(page.locator("#notice-items")).to_contain_text("No supplement needed")
            expect(page.locator("#regroup-3 .move-button")).to_be_disabled()  # not claimed yet
            page.click("#claim-button")
            expect(page.locator("#claim")).to_contain_text("Claimed by you")

            # the ID card's front (page 3) was put with the labour contract (page 2)
            panel = page.locator("#regroup-3")
            expect(page.locator("#doc-3 h3")).to_contain_text("pages 3, 4")
            panel.locator(".move-page select[name=page]").select_option("3")
            panel.locator(".move-page select[name=target]").select_option(
                label="#3 labour contract, page 2"
            )
            panel.locator(".move-button").click()
            expect(page.locator(".message")).to_contain_text("Regrouped")
            expect(page.locator("#doc-2 h3")).to_contain_text("pages 2, 3")
            expect(page.locator("#doc-3 h3")).to_contain_text("page 4")
            expect(page.locator("#status")).to_have_text("supplement required")
            expect(page.locator(".notice-item[data-material=identity_card]")).to_have_count(1)
            notice = page.frame_locator("iframe.notice-frame")
            expect(notice.locator("body")).to_contain_text("identity card")
            change = page.locator("#audit-log tr.audit-regroup")
            expect(change).to_have_count(1)
            expect(change).to_contain_text("move page 3 of #4 to #3")
            result = outbox.result()
            assert [d.pages for d in result.documents[1:]] == [[1], [2, 3], [4], [5, 6]]
            assert not errors, errors
        finally:
            browser.close()


def lambda_classes(name: str):
    import re

    return re.compile(rf"(^|\s){name}(\s|$)")


def outbox_lease_box(outbox) -> tuple[float, float]:
    """The misread field's box as fractions of its page frame, from result.json."""
    import json

    result = json.loads((outbox.flagged_dir / "result.json").read_text())
    lease = result["documents"][2]
    box = lease["field_evidence"]["tenant_name"]["box"]
    frame = lease["page_images"][0]
    return box["x0"] / frame["width"], box["y0"] / frame["height"]
