"""The webhook inbox: updates stored as they arrive, handled once, each user's in order."""
