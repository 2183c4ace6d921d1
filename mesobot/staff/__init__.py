"""The clinic staff's data layer: decisions on requests, closures, session actions, audit log.

Nothing here imports `telegram`: the handlers in `mesobot/handlers/staff_*.py` are the edge.
"""
