"""An index on disk: FAISS vectors, BM25, the manifest and the atomic builds; knows no file format."""
