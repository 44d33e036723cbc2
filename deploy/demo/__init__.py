"""`make demo`: seed a realistic province through the public HTTP API only.

Each part is a module with ``run(ctx)``; parts run in order and share one
``DemoContext``. Re-running the demo is safe: existing records (409) are
reused, not duplicated.
"""
