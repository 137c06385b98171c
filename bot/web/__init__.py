"""The web channel of planbot: the secretariat's pages and a web chat, on aiohttp and Jinja2."""
