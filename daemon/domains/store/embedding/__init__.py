"""Store embeddings: the Embedder (a local sentence-embedding model by default), the vectors
stored per approved listing version, and the worker that embeds approved versions in the background."""
