"""The bot's words: its catalog of strings in every language, and the slash commands' translations."""
