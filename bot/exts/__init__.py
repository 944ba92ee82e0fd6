"""The bot's features, one cog per module; each module has `async def setup(bot)`."""
