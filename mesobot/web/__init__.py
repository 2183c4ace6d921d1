"""The bot's HTTP side: Starlette routes served by uvicorn (feeds; webhook, health, metrics)."""
