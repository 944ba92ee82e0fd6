"""quotebot's front ends: the command line and the Discord bot, thin adapters over `index`."""
