"""axe-core, injected from the vendored copy (never fetched) and run on the current page."""

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def run_axe(page) -> list[dict]:
    """axe-core's violations on the current page (WCAG 2.0/2.1 A and AA, best practice)."""
    # evaluate() runs over the DevTools protocol: an injected <script> would be (rightly)
    # refused by the page's CSP and would itself count as a violation.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}}).then(r => r.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
          nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
        })))""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:10]:
            lines.append(f"    target {node['target']}: {node['summary']}".replace("\n", " "))
    return "\n".join(lines)
