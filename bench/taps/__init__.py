"""The parts of bench/tap_latency.py: emulated patients, the measured processes, the report."""
