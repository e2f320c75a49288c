"""Protected records are read only through the access policy (DESIGN.md §4).

A raw `Case.objects…` in a view, or `organisation.cases.all` in a template, would bypass
`visible()` — the drift between lists and rules that the one-policy design exists to
prevent. These tests read the source:

1. Views, API endpoints, forms, template tags, management commands, tasks and everything in
   `insights` (which reads only through other apps' selectors) never touch a protected
   model's manager (`.objects`, `._default_manager`, `._base_manager`).
2. Any other module outside the access layer itself, selectors, services, models,
   migrations and the bundled-data loaders may name a manager only as the queryset it
   hands to `visible()` / `get_for()`.
3. Reverse relations that lead to a protected model from something else
   (`organisation.cases`, `place.partnerships_as_local`, …) are not followed outside
   selectors and services, in Python or in templates. Children reached from their parent
   (`case.comments`, `partnership.sources`) are fine: they inherit its visibility.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2] / "twinwise"
PROTECTED_LABELS = (
    "cases.Case",
    "cases.CaseComment",
    "cases.CaseAttachment",
    "cases.CaseRevision",
    "access.AuditEvent",
    "partnerships.Partnership",
    "partnerships.PartnershipSource",
    "similar.CaseEmbedding",
    "peers.Introduction",
    "peers.Watch",
    "peers.Notification",
    "peers.DigestSetting",
)
PROTECTED = {label.split(".")[1] for label in PROTECTED_LABELS}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
POLICY_CALLS = {"visible", "get_for"}
# (model, foreign key) pairs whose rule is "visible exactly when the parent is".
INHERITS = {
    ("cases.casecomment", "case"),
    ("cases.caseattachment", "case"),
    ("cases.caserevision", "case"),
    ("partnerships.partnershipsource", "partnership"),
    ("similar.caseembedding", "case"),
}


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_entry_point(path: Path) -> bool:
    """Views, API, forms, template tags, commands, tasks, insights: only selectors/services."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    layers = {"views", "api", "forms", "tasks", "templatetags", "commands"}
    return parts[0] in {"insights", "api"} or bool(layers & set(parts))


# Modules that write protected records for an operator (imports, bundled data, the demo
# network) and read them only to find what to update. Each entry needs a reason.
WRITE_SIDE = {
    "partnerships/bundled.py": "loads the bundled registry data",
    "cases/public_record.py": "loads the bundled public-record cases",
    "cases/interchange.py": "`twinwise import cases` (operators only) finds cases to update",
    "core/demo_network.py": "`twinwise demo` creates the demo network (never in production)",
    "peers/demo.py": "`twinwise demo` runs the demo network's reports through the fan-out",
}


# Modules that read every record's columns to apply the access rule as vectorised masks
# (ADR 0005, 0009). Each is proven equal to visible() by its own consistency test.
INDEXES = {
    "cases/index.py": "loads every case's facet columns; tests/access/test_case_index.py",
    "cases/search.py": "text matches as ids, masked by case_levels_mask; test_case_index.py",
}


def may_query(path: Path) -> bool:
    """The layers that build querysets of protected models themselves."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    allowed = {"selectors", "services", "models"}
    return (
        parts[0] == "access"
        or bool(allowed & set(parts))
        or relative(path) in WRITE_SIDE
        or relative(path) in INDEXES
    )


def protected_names(tree: ast.AST) -> dict[str, str]:
    """Local names bound to protected models (`from .models import Case as C` → C)."""
    names = {name: name for name in PROTECTED}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in PROTECTED:
                    names[alias.asname or alias.name] = alias.name
    return names


def model_named_by(node: ast.expr, names: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and node.attr in PROTECTED:
        return node.attr  # e.g. models.Case
    return None


def parents_of(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def policy_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) in POLICY_CALLS


def handed_to_policy(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether `node` ends up in the arguments of a `visible(...)` / `get_for(...)` call:
    directly, or through a variable of the same function (`qs = Case.objects…` and later
    `visible(actor, qs…)`)."""
    start, variable, scope = node, None, None
    while node in parents:
        parent = parents[node]
        if policy_call(parent) and node is not parent.func:
            return True
        if isinstance(parent, ast.Assign) and node is parent.value and variable is None:
            variable = {t.id for t in parent.targets if isinstance(t, ast.Name)}
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            scope = parent
            break
        node = parent
    if not variable or scope is None:
        return False
    return any(
        policy_call(call)
        and any(
            isinstance(name, ast.Name) and name.id in variable
            for arg in [*call.args, *(k.value for k in call.keywords)]
            for name in ast.walk(arg)
        )
        for call in ast.walk(scope)
        if call is not start
    )


def manager_uses(source: str) -> list[tuple[int, str, bool]]:
    """(line, "Model.manager", handed to the policy) for each protected manager in `source`."""
    tree = ast.parse(source)
    names, parents = protected_names(tree), parents_of(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            model = model_named_by(node.value, names)
            if model:
                found.append((node.lineno, f"{model}.{node.attr}", handed_to_policy(node, parents)))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "get_model"
            and any(
                isinstance(arg, ast.Constant) and str(arg.value).split(".")[-1] in PROTECTED
                for arg in node.args
            )
        ):
            found.append((node.lineno, "get_model(<protected model>)", False))
    return sorted(found)


def leaking_accessors() -> set[str]:
    """Reverse accessors that reach a protected model from a model that does not share its rule."""
    accessors = set()
    for label in PROTECTED_LABELS:
        model = apps.get_model(label)
        for field in model._meta.get_fields():
            forward = field.is_relation and not field.auto_created
            if not forward or field.remote_field.hidden:
                continue
            if (model._meta.label_lower, field.name) in INHERITS:
                continue
            accessors.add(field.remote_field.get_accessor_name())
    return accessors


def test_the_scan_recognises_every_shape():
    source = (
        "from twinwise.cases.models import Case as C, CaseComment\n"
        "from twinwise.cases import models\n"
        "a = C.objects.all()\n"
        "b = models.Partnership._default_manager.all()\n"
        "c = visible(actor, CaseComment.objects.filter(x=1))\n"
        "d = apps.get_model('cases', 'Case')\n"
        "e = Place.objects.all()\n"
        "def f(actor):\n"
        "    qs = Case.objects.all()\n"
        "    qs = qs.filter(y=2)\n"
        "    return visible(actor, qs)\n"
        "def g(actor):\n"
        "    qs = Case.objects.all()\n"
        "    return qs\n"
    )
    assert manager_uses(source) == [
        (3, "Case.objects", False),
        (4, "Partnership._default_manager", False),
        (5, "CaseComment.objects", True),
        (6, "get_model(<protected model>)", False),
        (9, "Case.objects", True),
        (13, "Case.objects", False),
    ]


def test_the_layers_are_recognised():
    assert is_entry_point(ROOT / "cases" / "views.py")
    assert is_entry_point(ROOT / "cases" / "management" / "commands" / "x.py")
    assert is_entry_point(ROOT / "insights" / "selectors.py")
    assert not is_entry_point(ROOT / "cases" / "presenters.py")
    assert may_query(ROOT / "cases" / "selectors.py")
    assert may_query(ROOT / "access" / "rules.py")
    assert not may_query(ROOT / "cases" / "presenters.py")


@pytest.mark.parametrize("path", [p for p in python_files() if is_entry_point(p)], ids=relative)
def test_entry_points_never_query_protected_models(path):
    uses = [f"{relative(path)}:{line} {what}" for line, what, _ in manager_uses(read(path))]
    assert not uses, "read protected records through a selector instead:\n" + "\n".join(uses)


@pytest.mark.parametrize(
    "path",
    [p for p in python_files() if not is_entry_point(p) and not may_query(p)],
    ids=relative,
)
def test_other_modules_query_protected_models_only_through_the_policy(path):
    raw = [
        f"{relative(path)}:{line} {what}" for line, what, ok in manager_uses(read(path)) if not ok
    ]
    assert not raw, "wrap the queryset in access.visible()/get_for():\n" + "\n".join(raw)


def without_comments(template: str) -> str:
    """The template with its comments blanked (line numbers kept)."""

    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match[0])

    template = re.sub(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", blank, template, flags=re.S)
    return re.sub(r"{#.*?#}", blank, template)


def template_relations(template: str, accessors: set[str]) -> list[tuple[int, str]]:
    """`x.<accessor>.<anything>` in a template's code (a dotted module path aside)."""
    pattern = re.compile(rf"(?<!twinwise)\.({'|'.join(sorted(accessors))})\.\w+")
    return [
        (number, match[0])
        for number, line in enumerate(without_comments(template).splitlines(), 1)
        for match in pattern.finditer(line)
    ]


def relations(source: str, accessors: set[str]) -> list[tuple[int, str]]:
    """`x.<accessor>.<anything>` in Python `source` (a package path like `twinwise.cases.x` aside)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)):
            continue
        relation = node.value
        package = isinstance(relation.value, ast.Name) and relation.value.id == "twinwise"
        if relation.attr in accessors and not package:
            found.append((node.lineno, f".{relation.attr}.{node.attr}"))
    return sorted(found)


def test_the_relation_scans():
    source = "import twinwise.cases.models\nx = org.cases.all()\ny = case.comments.all()\n"
    assert relations(source, {"cases"}) == [(2, ".cases.all")]
    template = (
        "{# org.cases.all #}{% comment %}\n{{ org.cases.all }}\n{% endcomment %}\n"
        "see twinwise.cases.attachments\n"
        "{% for case in org.cases.all %}{{ case.comments.all|length }}{% endfor %}\n"
    )
    assert template_relations(template, {"cases"}) == [(5, ".cases.all")]


def test_reverse_relations_to_protected_models_are_not_followed_outside_selectors():
    accessors = leaking_accessors()
    assert {"cases", "partnerships_as_local", "audit_events", "cases_shared_with"} <= accessors
    assert not accessors & {"comments", "attachments", "revisions", "sources"}
    templates = sorted(ROOT.rglob("templates/**/*.html"))
    assert templates
    found = [
        f"{relative(path)}:{line} {what}"
        for path in python_files()
        if not may_query(path)
        for line, what in relations(read(path), accessors)
    ] + [
        f"{relative(path)}:{line} {what}"
        for path in templates
        for line, what in template_relations(read(path), accessors)
    ]
    assert not found, "read these through a selector (access.visible):\n" + "\n".join(found)
