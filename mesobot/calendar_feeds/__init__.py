"""Calendar feeds: a private subscription address that always shows the current sessions."""
