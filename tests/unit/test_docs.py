"""The README and deploy/.env.example document every setting; README starts with the two commands."""

from __future__ import annotations

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
