"""The checkers themselves: a journey is only as strict as what it notices."""

import pytest

from tests.e2e.axe import describe_violations, run_axe

pytestmark = pytest.mark.e2e


def test_watcher_notices_csp_violations_and_script_errors(page, e2e_world, watcher):
    page.goto("/open-data/")
    watcher.assert_clean()
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__inline = 1";
          document.head.appendChild(s);
          setTimeout(() => { throw new Error("boom"); });
          fetch("http://example.invalid/x").catch(() => {});
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__inline") is None, "the CSP let an inline script run"
    seen = "\n".join(watcher.problems)
    watcher.problems.clear()
    assert "CSP violation: script-src" in seen
    assert "uncaught JS error: boom" in seen
    assert "CSP violation: connect-src blocked http://example.invalid/x" in seen


def test_axe_finds_a_planted_violation(page, e2e_world, watcher):
    page.goto("/open-data/")
    page.evaluate(
        """() => {
          const img = document.createElement("img");
          img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
          document.querySelector("main").appendChild(img);
        }"""
    )
    violations = run_axe(page)
    assert [v["id"] for v in violations] == ["image-alt"], describe_violations(violations)
    assert violations[0]["nodes"][0]["target"] == ["img"]
