"""quotebot.bot: the command line and the Discord bot, thin adapters over the library `quotebot.index`."""
