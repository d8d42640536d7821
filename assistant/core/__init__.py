"""The one answer core every channel calls (`answer.answer`): triage, retrieval through `assistant.search`,
choosing and composing the evidence (extractive) or a checked chat-model answer (llm, grounding), refusal."""
