"""Running the bot for months: settings, config and engine, the corpus watched, shutdown, health, logs, files."""
