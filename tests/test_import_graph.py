"""The package's module graph (every ``import`` of a ``grokrewarm`` module, at module level or
inside a function) has no cycle (no strongly connected component) and no import from a lower
layer up (``LAYERS``)."""

import ast
from pathlib import Path

import grokrewarm

PACKAGE = Path(grokrewarm.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of size > 1."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_package_has_no_import_cycles():
    graph = import_graph()
    assert "grokrewarm.lifecycle" in graph["grokrewarm.training.run"]  # the graph is real
    assert cycles(graph) == []


# The layers of the package, lowest first: a module may import from its own part and from parts
# in lower layers, never from a higher one, so data flows one way. Utilities; the method (the
# papers' interventions); the run lifecycle (folder, signals, loggers); the domains (tasks,
# models, and the Atari runner, which builds on the lifecycle); the training runner; job states;
# the analysis step (a sweep's summary tables); the claims judged over them; the figures drawn
# from them; the entry points, the after-sweep pipeline among them.
LAYERS = [
    ("compose", "config_schema"),
    ("method",),
    ("lifecycle",),
    ("domains",),
    ("training",),
    ("sweep_status",),
    ("analysis",),
    ("claims",),
    ("figures",),
    ("pipeline", "evidence", "bench", "bench_launch", "bench_gpu", "launch_checks", "cli"),
    ("__main__",),
]


def part_of(module: str) -> str:
    """The top-level part a module belongs to (``grokrewarm.claims.core``: claims)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def upward_imports(graph: dict[str, set[str]], layers: list[tuple[str, ...]]) -> list[str]:
    layer = {part: i for i, parts in enumerate(layers) for part in parts}
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = part_of(module), part_of(target)
            if a != b and layer[b] >= layer[a]:
                found.append(f"{module} -> {target}")
    return found


def test_the_layer_check_finds_an_import_up_or_across():
    graph = {"p.low.x": {"p.high.y"}, "p.high.y": {"p.low.x"}, "p.side.z": {"p.high.y"}}
    assert upward_imports(graph, [("low",), ("high", "side")]) == [
        "p.low.x -> p.high.y",
        "p.side.z -> p.high.y",
    ]


def test_every_part_has_a_layer_and_no_import_runs_up():
    graph = import_graph()
    parts = {part_of(module) for module in graph} - {"grokrewarm"}
    placed = {part for layer in LAYERS for part in layer}
    assert sorted(parts - placed) == []  # a new part: give it its layer in LAYERS
    assert "grokrewarm.analysis" in graph["grokrewarm.pipeline"]  # the graph is real
    assert upward_imports(graph, [("grokrewarm",), *LAYERS]) == []
