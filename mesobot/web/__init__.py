"""Webhook mode's HTTP side: one Starlette app for the webhook, health, metrics and feeds."""
