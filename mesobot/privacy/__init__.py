"""A patient's data rights and the clinic's retention: consent, export, erasure, retention."""
