"""Reads scale out: two app replicas serve one publish folder and follow a new publish without restart."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest

from metrics.publish import publish
from metrics.store import Store
from tests.browser.conftest import streamlit_server
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser


def _version_shown(page, url: str) -> int:
    page.goto(url + "/?area=E06000020")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    found = re.search(r"version (\d+)", page.locator('[data-testid="stSidebar"]').inner_text())
    assert found, "the sidebar names the data version"
    return int(found.group(1))


def test_two_replicas_pick_up_a_new_publish(demo_db: Path, tmp_path: Path, browser) -> None:
    authoring = tmp_path / "authoring.duckdb"
    shutil.copy(demo_db, authoring)
    folder = tmp_path / "publish"
    publish(authoring, folder)
    env = {"ECM_DB": str(folder)}
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(streamlit_server(env, f"replica-{i}.log")) for i in (1, 2)]
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        before = [_version_shown(page, u) for u in urls]
        assert before[0] == before[1]

        with Store(authoring) as s, s.transaction() as cur:  # an import on the authoring store
            cur.execute("UPDATE observation SET note = 'revised' WHERE area_code = 'E06000020'")
        publish(authoring, folder)

        after = [_version_shown(page, u) for u in urls]
        assert after == [before[0] + 1, before[0] + 1]
        context.close()
