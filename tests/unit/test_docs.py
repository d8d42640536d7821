"""The documentation stays true to the code: README starts with the two commands, docs/configuration.md holds
the settings table generated from `Settings` (regenerate it with
`python -m assistant.config --markdown docs/configuration.md`), deploy/.env.example lists every setting, and
README and docs/ name no file, folder, module or section that does not exist.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from assistant.config import TABLE_BEGIN, TABLE_END, Settings, env_name, settings_table
from tests.conftest import ROOT

CONFIG_DOC = ROOT / "docs" / "configuration.md"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].startswith("pip install -e . && assistant serve")
    assert block[1].startswith('pip install -e ".[test]" && pytest')
    assert 'pip install -e ".[test]" && pytest' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_stays_short():
    # A newcomer reads it in five minutes; reference material belongs in docs/, one topic a file.
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


def test_the_configuration_table_is_generated_from_settings():
    text = CONFIG_DOC.read_text(encoding="utf-8")
    assert text.count(TABLE_BEGIN) == 1 and text.count(TABLE_END) == 1, "the table's markers are missing"
    table = text.split(TABLE_BEGIN + "\n", 1)[1].split(TABLE_END, 1)[0]
    assert table == settings_table(), "run: python -m assistant.config --markdown docs/configuration.md"


def test_every_setting_is_documented():
    documented = CONFIG_DOC.read_text(encoding="utf-8")
    example = (ROOT / "deploy" / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"| `{name}` | `{env_name(name)}` |" in documented, name
        assert f"\n{env_name(name)}=" in example, name


LOCAL_PATH = re.compile(r"\.\./shared\b|/work/|/home/[a-z]|/Users/|/root/|[A-Z]:\\\\")


def test_docs_name_no_folder_outside_the_clone_and_no_local_machine_path():
    # A user's clone has no ../shared and no developer's machine: every path a doc names is in the repo.
    for document in [*DOCUMENTS, ROOT / "deploy" / ".env.example"]:
        text = document.read_text(encoding="utf-8")
        assert not LOCAL_PATH.findall(text), (document.name, LOCAL_PATH.findall(text))
        for named in re.findall(r"tests/eval/[\w.-]+\.jsonl", text):
            assert (ROOT / named).is_file(), (document.name, named)


# References a document makes to the repository.
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)  # fenced blocks: commands, not references
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")  # [text](target), ![alt](target)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# A repository path inside a code span: it starts with one of the repository's top-level folders. Paths
# under folders the program creates (data_dir/, reports/, mutants/) are not in a clone and are not checked.
REPO_PATH = re.compile(
    r"(?<![\w./-])((?:assistant|ingest|tests|deploy|docs|benchmarks|corpus|\.ci)/[\w./-]*)"
)
MODULE = re.compile(
    r"(?<![\w./-])((?:assistant|ingest)(?:\.\w+)+)"
)  # a dotted module path, e.g. assistant.core
FILE_SUFFIX = re.compile(r"\.(?:db|py|ya?ml|md|jsonl?|txt|toml|js|html|csv)$")  # `assistant.db` is a file


def prose(text: str) -> str:
    return FENCE.sub("", text)


def heading_anchors(document: Path) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation but `-` and `_` dropped, spaces to
    hyphens, `-1`, `-2` … after a repeated heading."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", prose(document.read_text(encoding="utf-8")), re.M):
        plain = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
        slug = "".join(c for c in plain if c in " -_" or unicodedata.category(c)[0] in "LN")
        slug = slug.replace(" ", "-")
        anchor, n = slug, 1
        while anchor in anchors:
            anchor, n = f"{slug}-{n}", n + 1
        anchors.add(anchor)
    return anchors


def dead_links(document: Path) -> list[str]:
    dead = []
    text = CODE_SPAN.sub("", prose(document.read_text(encoding="utf-8")))  # `[text](url)` is an example
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …: not in the repository
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.exists():
            dead.append(target)
            continue
        if anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved):
            dead.append(target)
    return dead


def is_module(dotted: str) -> bool:
    """`assistant.core.answer` names a module or package; the last part may be a top-level name of the
    module before it (`assistant.app.app_from_env`, `assistant.core.answer.answer`)."""
    parts = dotted.split(".")
    for i in range(1, len(parts) + 1):
        base = ROOT.joinpath(*parts[:i])
        if (base / "__init__.py").is_file() or base.with_suffix(".py").is_file():
            continue
        if i != len(parts) or i == 1:
            return False
        module = ROOT.joinpath(*parts[: i - 1])
        source = module.with_suffix(".py") if module.with_suffix(".py").is_file() else module / "__init__.py"
        name = re.escape(parts[-1])
        defined = rf"^(?:async\s+def|def|class)\s+{name}\b|^{name}\s*[:=]|^from\s.+\bimport\b.*\b{name}\b"
        return bool(re.search(defined, source.read_text(encoding="utf-8"), re.MULTILINE))
    return True


def dead_code_references(document: Path) -> list[str]:
    dead = []
    for _, span in CODE_SPAN.findall(prose(document.read_text(encoding="utf-8"))):
        for named in REPO_PATH.findall(span):
            path = named.split("::")[0].rstrip(".")
            if "…" in path or "*" in path:  # a pattern, not one file
                continue
            if not (ROOT / path).exists():
                dead.append(named)
        for dotted in MODULE.findall(span.replace(":", ".")):
            if not FILE_SUFFIX.search(dotted) and not is_module(dotted.rstrip(".")):
                dead.append(dotted)
    return dead


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_every_relative_link_reaches_a_file_and_heading_that_exist(document):
    assert dead_links(document) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_every_repository_path_and_module_in_backticks_exists(document):
    assert dead_code_references(document) == []


def test_the_reference_checks_catch_a_dead_reference(tmp_path):
    # The checks above must be able to fail: a moved module, a removed file, a renamed heading.
    document = tmp_path / "doc.md"
    document.write_text(
        "# Title\n\nSee [there](missing.md), [here](#no-such-heading), [ok](#title), `assistant/answer.py`,\n"
        "`assistant.evaluation`, `assistant.eval_report`, `assistant/core/answer.py`, `assistant.core.answer`,\n"
        "`.data/assistant.db`, `assistant.db`, `[text](url)`.\n"
        "```bash\ncat deploy/.env\n```\n",
        encoding="utf-8",
    )
    assert dead_links(document) == ["missing.md", "#no-such-heading"]
    assert dead_code_references(document) == ["assistant/answer.py", "assistant.eval_report"]
