"""The two local API emulators the connectors are tested and demonstrated against (`crisp`, `convot`).

Each is a package of its own with a CLI (`python -m sandboxes.crisp`, `python -m sandboxes.convot`); product
code never imports them. Every guess they make about the real API is in their `assumptions.py`.
"""
