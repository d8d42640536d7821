"""Ingest: read documents, split them into heading-aware chunks, embed and publish them to the store."""
