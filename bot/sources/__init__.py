"""Discord as a source: channels mirrored on disk, kept current, re-checked before sending, opt-outs."""
