"""Turning text into vectors: the embedder seam, the sentence-transformers and ONNX backends, the vector cache."""
