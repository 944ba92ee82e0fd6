"""The Discord client: the bot that loads the cogs (bot/exts/) and answers, and a driver for tests."""
