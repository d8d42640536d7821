"""Finding the evidence: embeddings, the BM25 index, hybrid retrieval and the store both ingest (writes) and
the answer core (reads) share. Knows nothing of answers or channels."""
