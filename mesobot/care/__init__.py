"""Care between sessions: reminders, preparation, aftercare, check-ins and reaction reports."""
