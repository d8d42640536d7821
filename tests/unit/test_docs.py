"""The README and deploy/.env.example document every setting; README starts with the two commands.

The configuration table (in CONFIG_DOC) is generated from `Settings`: after changing a setting, run
`python tests/unit/test_docs.py --write` and commit the document.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from assistant.config import Settings
from tests.conftest import ROOT

CONFIG_DOC = ROOT / "README.md"  # where the configuration table lives
TABLE_HEAD = "| setting | environment variable | default | meaning |\n|---|---|---|---|\n"


def env_name(name: str, field) -> str:
    return field.validation_alias.choices[0] if field.validation_alias else f"ASSISTANT_{name.upper()}"


def shown_default(value) -> str:
    """A default as the table shows it: `—` for none, paths as written, lists and mappings as JSON."""
    if value is None:
        return "—"
    if isinstance(value, list) and value and all(isinstance(v, Path) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def settings_table() -> str:
    """The configuration table: one row per setting, in the order `Settings` declares them."""
    rows = []
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")  # a bar would end the cell
        rows.append(
            f"| `{name}` | `{env_name(name, field)}` | `{shown_default(field.default)}` | {meaning} |\n"
        )
    return TABLE_HEAD + "".join(rows)


def table_span(text: str) -> tuple[int, int]:
    start = text.index(TABLE_HEAD)
    end = text.find("\n\n", start)
    return start, (len(text) if end < 0 else end + 1)


def test_the_configuration_table_is_generated_from_settings():
    text = CONFIG_DOC.read_text(encoding="utf-8")
    start, end = table_span(text)
    assert text[start:end] == settings_table(), "run: python tests/unit/test_docs.py --write"


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


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    text = CONFIG_DOC.read_text(encoding="utf-8")
    start, end = table_span(text)
    CONFIG_DOC.write_text(text[:start] + settings_table() + text[end:], encoding="utf-8")
    print(
        f"{CONFIG_DOC.relative_to(ROOT)}: configuration table written ({len(Settings.model_fields)} settings)"
    )
