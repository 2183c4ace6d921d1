"""The booking flow without Telegram: its steps, the questionnaire, and checks of typed input."""
