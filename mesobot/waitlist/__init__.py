"""The waitlist: patients wait for a range of dates; places that free up are offered to them."""
