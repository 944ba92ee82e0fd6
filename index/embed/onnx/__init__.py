"""The ONNX backend: export a sentence-transformers model once, keep the export, embed with onnxruntime."""
