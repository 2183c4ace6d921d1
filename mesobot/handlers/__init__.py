"""Telegram handlers, one module per feature; each exposes `feature(services)`, and
`mesobot.app.features` composes them in one ordered list."""
