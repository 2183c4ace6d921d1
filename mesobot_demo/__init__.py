"""`make demo`: the real mesobot against a local Bot API emulator, with a web chat and a clock."""
