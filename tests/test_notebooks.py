"""Notebook hygiene and project consistency: what nbval, Colab and the built book rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
MACHINE_PATH = re.compile(r"(?<![:/\w.~])/(?:[\w.-]+/)+[\w.-]+")  # an absolute path, not a URL
ADDRESS = re.compile(r" at 0x[0-9a-f]{6,}")  # an object repr with a memory address


def toc_files(node) -> list[str]:
    """Every `file:` entry of the table of contents, and the root."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                found.append(value)
            else:
                found.extend(toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(toc_files(item))
    return found


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def outputs_text(output: dict) -> str:
    text = output.get("text", "")
    data = output.get("data", {})
    parts = [text if isinstance(text, str) else "".join(text)]
    for mime in ("text/plain", "text/markdown", "text/html"):
        value = data.get(mime, "")
        parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def test_toc_lists_every_notebook_and_every_entry_exists():
    entries = toc_files(TOC)
    for notebook in NOTEBOOKS:
        assert f"notebooks/{notebook.stem}" in entries, f"{notebook.name} is not listed in _toc.yml"
    for entry in entries:
        candidates = [ROOT / f"{entry}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(path.exists() for path in candidates), f"_toc.yml lists {entry}, which does not exist"


def test_repository_url_is_configured_once():
    url = CONFIG["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_install_cell(path):
    first = "".join(code_cells(load(path))[0]["source"])
    assert "google.colab" in first, "the first code cell must install the package in Colab only"
    assert f"git+{CONFIG['repository']['url']}" in first, "the Colab cell must install from _config.yml's URL"
    assert not code_cells(load(path))[0]["outputs"], "the Colab cell prints nothing outside Colab"
    assert "hide-input" in code_cells(load(path))[0]["metadata"].get("tags", []), "the page folds the Colab cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_and_clean(path):
    notebook = load(path)
    assert all("id" in cell for cell in notebook["cells"]), "cells without ids"
    for index, cell in enumerate(code_cells(notebook)):
        if "".join(cell["source"]).strip():
            assert cell["execution_count"] is not None, f"code cell {index} was not executed"
        assert "execution" not in cell.get("metadata", {}), f"code cell {index} stores execution timestamps"
        for output in cell["outputs"]:
            where = f"{path.name}, code cell {index}"
            assert output["output_type"] != "error", f"{where} stored an error"
            assert output.get("name") != "stderr", f"{where} stored stderr output"
            text = outputs_text(output)
            assert not MACHINE_PATH.search(text), f"{where} shows a machine path: {MACHINE_PATH.search(text)[0]}"
            assert not ADDRESS.search(text), f"{where} shows a memory address"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_setup_seeds_and_quiets(path):
    setup = "".join(code_cells(load(path))[1]["source"])
    assert "quiet_tensorflow()" in setup and "set_seed(" in setup


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,\s]+),", bib))
    texts = [path.read_text() for path in (ROOT / "book").glob("*.md")]
    texts += ["".join(cell["source"]) for path in NOTEBOOKS for cell in load(path)["cells"]]
    cited = {key.strip() for text in texts for group in re.findall(r"\{cite[tp]?\}`([^`]+)`", text)
             for key in group.split(",")}
    assert cited, "no citations found"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_environment_yml_has_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= set(extra)
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert wanted <= set(pip), f"missing from environment.yml: {sorted(wanted - set(pip))}"
    assert "-e ." in pip


def test_readme_gives_exactly_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^\s*(make \w+)\s*$", readme, flags=re.MULTILINE)
    assert commands[:2] == ["make book", "make test"] or commands[:2] == ["make test", "make book"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "make book-from-outputs" in ci
    makefile = (ROOT / "Makefile").read_text()
    targets = dict(re.findall(r"^([\w-]+): \$\(INSTALLED\)\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE))
    assert "jupyter-book build . -W -n --keep-going" in targets["book"]
    assert "execute_notebooks" not in targets["book"]
    assert "jupyter-book build . -W -n --keep-going --config" in targets["book-from-outputs"]
