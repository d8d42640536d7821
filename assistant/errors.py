"""The exception tree of the assistant; channels translate these into their own error shapes.

    AssistantError          base: anything the assistant reports on purpose, with a stable `code`
    ├── ConfigError         a setting is missing or wrong (model path, store URL, LLM endpoint)
    ├── InputError          the user's input is not acceptable (empty, too long, wrong type)
    ├── IngestError         a document could not be read or stored
    ├── StoreError          the vector store or index cannot be reached or is damaged
    ├── LLMError            the chat model failed or timed out (the core falls back to extractive)
    └── ChannelAuthError    a channel request failed authentication (signature, token)

HTTP maps `InputError` to 400/422, `ChannelAuthError` to 401, `StoreError` to 503 and the rest to 500,
always with the JSON body `{"error": {"code": ..., "message": ...}}`. The CLI prints the message and exits 2.
"""

from __future__ import annotations


class AssistantError(Exception):
    code = "assistant_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ConfigError(AssistantError):
    code = "config_error"


class InputError(AssistantError):
    code = "invalid_input"


class IngestError(AssistantError):
    code = "ingest_error"


class StoreError(AssistantError):
    code = "store_unavailable"


class LLMError(AssistantError):
    code = "llm_error"


class ChannelAuthError(AssistantError):
    code = "unauthorized"
