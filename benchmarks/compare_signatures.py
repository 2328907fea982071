"""Compare the public signatures of our pina with PINA 0.1.1's (``pina-mathlab==0.1.1``).

Every public module of each library is imported (``pina`` and its submodules whose names
do not start with ``_``) and the ``inspect.signature`` of every public class, method and
function is dumped to JSON, once per interpreter; then the two dumps are diffed from the
point of view of code written for 0.1.1: for every callable of 0.1.1, can the same call be
made on ours? ::

    .venv/bin/python benchmarks/compare_signatures.py --reference-python /tmp/ref01/bin/python
    .venv/bin/python benchmarks/compare_signatures.py dump out.json     # one library only
    .venv/bin/python benchmarks/compare_signatures.py diff ref.json ours.json

The dump of a library lists, per import path (``pina.geometry.cartesian.CartesianDomain``,
``pina.geometry.cartesian.CartesianDomain.is_inside``), its kind (class, function, method,
property, ...) and its parameters (name, kind, default as ``repr``). A name imported into a
module from elsewhere in the package (a re-export, such as ``pina.utils.LabelTensor``) is
listed with the path it is defined at. Members of a class are the public ones (plus
``__init__`` and ``__call__``) defined by a class of the package, so torch's and
Lightning's own methods are not compared.

The diff prints, per category, one line per difference:

* ``missing``: a 0.1.1 public name (module, class, function, method) that ours lacks;
* ``missing re-export``: a name 0.1.1 re-exports from another of its modules that ours does
  not (``from pina.utils import LabelTensor``);
* ``not overridden``: a method 0.1.1's class defines itself that ours inherits unchanged
  from torch or Lightning (so it may behave differently, e.g. drop labels);
* ``kind``: a method that became a property, a class that became a function, ...;
* ``parameter``: a 0.1.1 parameter that ours lacks (by name, so ``f(x=...)`` fails), moved
  (``f(a, b)`` binds differently) or made keyword-only, or a parameter ours requires that
  0.1.1 did not;
* ``default``: a parameter whose default differs;
* ``varargs``: 0.1.1 takes ``*args``/``**kwargs`` and ours does not;
* ``default None``: ours defaults to ``None`` where 0.1.1 defaults to an object (a loss
  module, a dict of optimizer settings): ``None`` stands for that same default;
* ``made optional``: a parameter 0.1.1 requires has a default in ours (0.1.1 calls work);
* ``hook inherited``: a Lightning hook 0.1.1's class overrides that ours inherits (a
  ``super().on_...()`` call from a 0.1 subclass still works);
* ``incidental import``: a name a 0.1.1 module imports for its own use, not part of its API
  (``from pina.geometry.cartesian import torch_lhs``); counted, listed with ``--verbose``.

The first seven categories can break a call written for 0.1.1; the last four cannot. It
ends with the count per category and those two totals. Exit status 0 always: the output
is for reading (the differences that stay are recorded, with their reason, in
``docs/api.md``).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SPECIAL = ("__call__",)  # __init__ is the class's own signature
REQUIRED = "<required>"
CATEGORIES = (
    "missing",
    "missing export",
    "not overridden",
    "kind",
    "parameter",
    "default",
    "varargs",
    "default None",
    "made optional",
    "hook inherited",
    "incidental import",
)
#: Categories where a call written for 0.1.1 may fail or behave differently on ours.
BREAKING = CATEGORIES[:7]
#: Categories counted but not listed unless ``--verbose``.
QUIET = ("incidental import",)


# ------------------------------------------------------------------------ dumping
def _public(name: str) -> bool:
    return not name.startswith("_")


def _modules(package: Any) -> tuple[list[str], dict[str, str]]:
    """Names of the package's public modules (imported), and the ones that failed to import."""
    names = [package.__name__]
    failed: dict[str, str] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not all(_public(part) for part in info.name.split(".")):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as error:  # a module that cannot be imported is reported as such
            failed[info.name] = f"{type(error).__name__}: {error}"
            continue
        names.append(info.name)
    return sorted(names), failed


def _signature(obj: Any) -> dict[str, Any]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return {"signature": None}
    params = [
        {
            "name": p.name,
            "kind": p.kind.name,
            "default": REQUIRED if p.default is inspect.Parameter.empty else repr(p.default),
        }
        for p in sig.parameters.values()
    ]
    return {"signature": params}


def _member_kind(raw: Any) -> str:
    if isinstance(raw, property):
        return "property"
    if isinstance(raw, staticmethod):
        return "staticmethod"
    if isinstance(raw, classmethod):
        return "classmethod"
    if inspect.isfunction(raw):
        return "method"
    return "attribute"


def _class_members(cls: type, root: str) -> dict[str, dict[str, Any]]:
    members: dict[str, dict[str, Any]] = {}
    for name in sorted(set(dir(cls))):
        if not (_public(name) or name in SPECIAL):
            continue
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if owner is None:
            continue
        raw = vars(owner)[name]
        in_package = owner.__module__.split(".")[0] == root
        entry: dict[str, Any] = {
            "kind": _member_kind(raw),
            "owner": f"{owner.__module__}.{owner.__qualname__}",
            "in_package": in_package,
        }
        if entry["kind"] in ("method", "staticmethod", "classmethod"):
            entry.update(_signature(getattr(cls, name)))
        members[name] = entry
    return members


def dump(package_name: str = "pina") -> dict[str, Any]:
    """The public surface of ``package_name``: ``{path: entry}`` plus metadata."""
    warnings.simplefilter("ignore")
    package = importlib.import_module(package_name)
    modules, failed = _modules(package)
    entries: dict[str, Any] = {}
    for module_name in modules:
        module = sys.modules[module_name]
        entries[module_name] = {"kind": "module"}
        exported = getattr(module, "__all__", None)
        names = sorted({n for n in vars(module) if _public(n)} | set(exported or ()))
        for name in names:
            obj = getattr(module, name, None)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            defined = getattr(obj, "__module__", "") or ""
            if defined.split(".")[0] != package_name:
                continue  # torch, typing, ... imported for internal use
            path = f"{module_name}.{name}"
            entry: dict[str, Any] = {"defined_in": f"{defined}.{obj.__qualname__}"}
            entry["reexport"] = defined != module_name
            # A re-export is part of the API when listed in __all__ (or in a package's
            # __init__), an incidental import of the module's own code otherwise.
            entry["exported"] = (
                name in exported if exported is not None else hasattr(module, "__path__")
            )
            if inspect.isclass(obj):
                entry["kind"] = "class"
                entry.update(_signature(obj))
                entry["members"] = _class_members(obj, package_name)
            else:
                entry["kind"] = "function"
                entry.update(_signature(obj))
            entries[path] = entry
    version = getattr(package, "__version__", "?")
    return {
        "package": package_name,
        "version": version,
        "file": package.__file__,
        "failed_imports": failed,
        "entries": entries,
    }


# ------------------------------------------------------------------------ diffing
def _compare_parameters(
    path: str, ref: list[dict[str, Any]] | None, ours: list[dict[str, Any]] | None
) -> list[tuple[str, str]]:
    """Differences that matter to a 0.1.1 call of ``path``: (category, text) pairs."""
    if ref is None or ours is None:
        return []
    out: list[tuple[str, str]] = []
    positional = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
    by_name = {p["name"]: (i, p) for i, p in enumerate(ours)}
    ours_positional = [p["name"] for p in ours if p["kind"] in positional]
    ours_var_pos = any(p["kind"] == "VAR_POSITIONAL" for p in ours)
    ours_var_kw = any(p["kind"] == "VAR_KEYWORD" for p in ours)
    ref_names = {p["name"] for p in ref}
    ref_positional = [p["name"] for p in ref if p["kind"] in positional]
    for p in ref:
        name, kind = p["name"], p["kind"]
        if kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            has = ours_var_pos if kind == "VAR_POSITIONAL" else ours_var_kw
            if not has:
                star = "*" if kind == "VAR_POSITIONAL" else "**"
                out.append(("varargs", f"{path}: 0.1.1 takes {star}{name}, ours does not"))
            continue
        if name.startswith("_") and kind in positional:
            # A placeholder (``def hook(self, trainer, _)``): only its position matters.
            if ref_positional.index(name) >= len(ours_positional) and not ours_var_pos:
                out.append(("parameter", f"{path}: no positional parameter for {name!r}"))
            continue
        if name not in by_name:
            if not ours_var_kw:
                out.append(("parameter", f"{path}: no parameter {name!r} (0.1.1 has it)"))
            continue
        _, q = by_name[name]
        if kind in positional:
            pos = ref_positional.index(name)
            if q["kind"] not in positional:
                out.append(("parameter", f"{path}: {name!r} is keyword-only (0.1.1: positional)"))
            elif pos >= len(ours_positional) or ours_positional[pos] != name:
                out.append(
                    (
                        "parameter",
                        f"{path}: {name!r} is positional {ours_positional.index(name)} "
                        f"(0.1.1: {pos})",
                    )
                )
        if p["default"] != q["default"]:
            category = "default"
            if p["default"] == REQUIRED:
                category = "made optional"  # every 0.1.1 call still works
            elif q["default"] == "None" and p["default"] != "None":
                # None standing for 0.1.1's mutable or module default (same behaviour).
                category = "default None"
            out.append((category, f"{path}: {name}={q['default']} (0.1.1: {name}={p['default']})"))
    for q in ours:
        required = q["default"] == REQUIRED and q["kind"] not in ("VAR_POSITIONAL", "VAR_KEYWORD")
        if not required or q["name"] in ref_names:
            continue
        pos = ours_positional.index(q["name"]) if q["name"] in ours_positional else -1
        if 0 <= pos < len(ref_positional) and ref_positional[pos].startswith("_"):
            continue  # fills 0.1.1's placeholder at the same position
        out.append(("parameter", f"{path}: ours requires {q['name']!r} (0.1.1 has no such)"))
    return out


def diff(ref: dict[str, Any], ours: dict[str, Any]) -> dict[str, list[str]]:
    """Differences of ``ours`` against ``ref``, per category."""
    found: dict[str, list[str]] = {c: [] for c in CATEGORIES}

    def add(pairs: list[tuple[str, str]]) -> None:
        for category, text in pairs:
            found[category].append(text)

    ours_entries = ours["entries"]
    for path, entry in sorted(ref["entries"].items()):
        other = ours_entries.get(path)
        if other is None:
            if not entry.get("reexport"):
                category = "missing"
            elif entry.get("exported"):
                category = "missing export"
            else:
                category = "incidental import"
            where = f" (defined at {entry['defined_in']})" if entry.get("reexport") else ""
            found[category].append(f"{path}: {entry['kind']}{where}")
            continue
        if entry["kind"] != other["kind"]:
            found["kind"].append(f"{path}: {other['kind']} (0.1.1: {entry['kind']})")
            continue
        if entry["kind"] == "module" or (entry.get("reexport") and other.get("reexport")):
            continue  # re-exports are compared at their definition
        add(_compare_parameters(path, entry.get("signature"), other.get("signature")))
        for name, member in entry.get("members", {}).items():
            if not member["in_package"]:
                continue
            mpath = f"{path}.{name}"
            theirs = other["members"].get(name)
            if theirs is None:
                found["missing"].append(f"{mpath}: {member['kind']}")
                continue
            if not theirs["in_package"]:
                category = "not overridden"
                if name.startswith("on_") and theirs["owner"].startswith("pytorch_lightning"):
                    category = "hook inherited"  # Lightning's no-op hook: super() calls work
                found[category].append(
                    f"{mpath}: ours inherits {theirs['owner']}.{name} (0.1.1 defines it)"
                )
                continue
            if member["kind"] != theirs["kind"]:
                found["kind"].append(f"{mpath}: {theirs['kind']} (0.1.1: {member['kind']})")
                continue
            add(_compare_parameters(mpath, member.get("signature"), theirs.get("signature")))
    return found


def report(ref: dict[str, Any], ours: dict[str, Any], verbose: bool = False) -> str:
    lines = [
        f"reference: pina {ref['version']} ({ref['file']})",
        f"ours:      pina {ours['version']} ({ours['file']})",
    ]
    for label, data in (("reference", ref), ("ours", ours)):
        for module, error in sorted(data["failed_imports"].items()):
            lines.append(f"{label}: cannot import {module}: {error}")
    found = diff(ref, ours)
    for category in CATEGORIES:
        if found[category] and (verbose or category not in QUIET):
            lines.append("")
            lines.append(f"## {category} ({len(found[category])})")
            lines.extend(f"  {text}" for text in found[category])
    lines.append("")
    n_ref = len(ref["entries"])
    summary = ", ".join(f"{c}: {len(found[c])}" for c in CATEGORIES)
    lines.append(f"{n_ref} public names of 0.1.1 compared; {summary}")
    breaking = sum(len(found[c]) for c in BREAKING)
    harmless = sum(len(v) for v in found.values()) - breaking
    lines.append(f"differences that can break a 0.1.1 call: {breaking}; harmless: {harmless}")
    return "\n".join(lines)


# -------------------------------------------------------------------------- driver
def _dump_with(python: str, pythonpath: str | None, out: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    env.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as cwd:  # outside the repo: import the right pina
        subprocess.run(
            [python, str(Path(__file__).resolve()), "dump", str(out)], check=True, env=env, cwd=cwd
        )
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    p_dump = sub.add_parser("dump", help="dump this interpreter's pina to JSON")
    p_dump.add_argument("out", type=Path)
    p_diff = sub.add_parser("diff", help="diff two dumps")
    p_diff.add_argument("reference", type=Path)
    p_diff.add_argument("ours", type=Path)
    parser.add_argument(
        "--reference-python",
        default="/tmp/ref01/bin/python",
        help="interpreter with pina-mathlab==0.1.1 installed (default: %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="list every category")
    parser.add_argument("--save", type=Path, default=None, help="folder to keep the two dumps in")
    args = parser.parse_args(argv)
    if args.command == "dump":
        args.out.write_text(json.dumps(dump(), indent=1, sort_keys=True))
        return
    if args.command == "diff":
        ref = json.loads(args.reference.read_text())
        ours = json.loads(args.ours.read_text())
        print(report(ref, ours, args.verbose))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.save or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        ref = _dump_with(args.reference_python, None, folder / "reference.json")
        ours = _dump_with(sys.executable, str(REPO), folder / "ours.json")
        if not ref["file"].startswith(str(Path(args.reference_python).resolve().parents[1])):
            if str(REPO) in ref["file"]:
                raise RuntimeError(f"the reference run imported our pina: {ref['file']}")
        print(report(ref, ours, args.verbose))


if __name__ == "__main__":
    main()
