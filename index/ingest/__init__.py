"""Reading files into documents and chunks with exact offsets: formats, sidecars, metadata; no model, no index."""
