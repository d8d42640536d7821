"""The README and deploy/.env.example document every setting; README starts with the two commands."""

from __future__ import annotations

import re

from assistant.config import Settings
from tests.conftest import ROOT


def env_name(name: str, field) -> str:
    return field.validation_alias.choices[0] if field.validation_alias else f"ASSISTANT_{name.upper()}"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].startswith("pip install -e . && assistant serve")
    assert block[1].startswith('pip install -e ".[test]" && pytest')
    assert 'pip install -e ".[test]" && pytest' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "deploy" / ".env.example").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`{name}`" in readme and f"`{env_name(name, field)}`" in readme, name
        assert f"\n{env_name(name, field)}=" in example, name


LOCAL_PATH = re.compile(r"\.\./shared\b|/work/|/home/[a-z]|/Users/|/root/|[A-Z]:\\\\")


def test_docs_name_no_folder_outside_the_clone_and_no_local_machine_path():
    # A user's clone has no ../shared and no developer's machine: every path a doc names is in the repo.
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "deploy" / ".env.example"]
    for document in documents:
        text = document.read_text(encoding="utf-8")
        assert not LOCAL_PATH.findall(text), (document.name, LOCAL_PATH.findall(text))
        for named in re.findall(r"tests/eval/[\w.-]+\.jsonl", text):
            assert (ROOT / named).is_file(), (document.name, named)
