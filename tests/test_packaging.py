"""What the distribution promises a pip user: micrograd without torch, clear errors, markers.

The torch-free checks run in a fresh interpreter where ``import torch`` fails, as it does
for someone who installed ``spelled-out`` without the ``makemore`` extra.
"""

import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_TORCH = "import sys; sys.modules['torch'] = None  # import torch now fails\n"


def run_without_torch(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NO_TORCH + code],
        capture_output=True,
        text=True,
        cwd=ROOT / "tests",  # not the repository root: only installed packages are found
    )


def test_every_micrograd_module_imports_without_torch():
    modules = sorted(
        f"micrograd.{p.stem}" for p in (ROOT / "src" / "micrograd").glob("*.py") if p.stem[0] != "_"
    )
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "import spelled_out\nspelled_out.glue('x', 1, display=False)\nprint('ok')\n"
    done = run_without_torch(code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert len(modules) >= 3, modules


def test_makemore_without_torch_names_the_extra_to_install():
    done = run_without_torch("import makemore.counting\n")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: makemore needs PyTorch"), last
    assert "pip install 'spelled-out[makemore]'" in last, last


def test_torch_is_a_range_for_users_and_a_pin_for_the_book():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    everything = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    torch = [r for r in everything if r.replace(" ", "").startswith("torch")]
    assert torch == ["torch>=2.3"], torch
    assert "torch" not in " ".join(project["dependencies"])
    pins = (ROOT / "constraints.txt").read_text().split()
    assert "torch==2.13.0" in pins


@pytest.mark.parametrize("package", ["micrograd", "makemore", "spelled_out"])
def test_each_package_ships_its_type_marker(package):
    if package == "makemore":
        pytest.importorskip("torch")
    assert (resources.files(package) / "py.typed").is_file()


def test_the_names_ship_with_their_licence_note():
    pytest.importorskip("torch")
    names = resources.files("makemore") / "names.txt"
    note = resources.files("makemore") / "LICENSE-names.txt"
    assert names.is_file() and note.is_file()
    text = note.read_text(encoding="utf-8")
    assert "MIT" in text and "github.com/karpathy/makemore" in text
