import os
import sys
import time

from deploy.demo import campaigns, notifications, province, qc
from deploy.demo.context import ApiError, DemoContext

# Parts run in this order; each later issue adds its own module here.
PARTS = [("province", province.run), ("campaigns", campaigns.run), ("qc", qc.run),
         ("notifications", notifications.run)]


def main():
    base = os.environ.get("DEMO_URL", f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}")
    ctx = DemoContext(base)
    try:
        ctx.call("GET", "/health")
    except Exception as error:
        print(f"[demo] the platform does not answer at {base} ({error}); start it with `make run` first")
        return 1
    started = time.monotonic()
    for name, part in PARTS:
        try:
            part(ctx)
        except ApiError as error:
            print(f"[demo] part '{name}' failed: {error}")
            return 1
    print("\n== demo summary ==")
    for line in ctx.summary:
        print(f"  {line}")
    print(f"  took {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
