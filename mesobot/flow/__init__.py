"""The booking flow and /appointments without Telegram: state machine, screens, steps, routes."""
