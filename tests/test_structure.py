"""The arrows between the app's modules point one way: what two parts share lives in a room
both may use, not in one of them."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def module_name(path):
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path):
    """The app modules a module imports, at any depth of its code (a function's own import too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            source = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            found |= {f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                      for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {module for module in found if module in MODULES}


MODULES = {module_name(path) for path in APP.rglob("*.py")}


def test_the_centres_commands_and_the_hubs_do_not_import_each_other():
    assert "app.cli" not in imports(APP / "hub" / "cli.py")
    assert "app.hub.cli" in imports(APP / "cli.py")  # the one arrow: the command group takes the hub's in
    assert imports(APP / "commands.py") <= {"app.clock", "app.db"}


def test_the_kiosk_needs_nothing_of_the_staff_accounts():
    for path in (APP / "survey").rglob("*.py"):
        assert not imports(path) & {"app.accounts", "app.staff", "app.staff.views"}, path
    assert "app.accounts" not in imports(APP / "kiosk_pin.py")
