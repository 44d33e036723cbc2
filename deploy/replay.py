"""Publish a service's past events again, for consumers that missed them.

    python -m deploy.replay accounts enterprise_registered judge_registered

A service added after others have been running (or one whose queue was lost)
never saw the facts published before its queue existed. This marks those
outbox records pending again; the producer's running relay publishes them,
and consumers that already had them skip them (they are idempotent). Uses
the producer's own config, so ``MONGO_URI``/``MONGO_DB_PREFIX`` apply as for
the service.
"""
import argparse
import os
import sys

from shared.config import load_config, service_config_path
from shared.mongo import make_client
from shared.outbox import OUTBOX_COLLECTION, requeue_published


def main(argv=None):
    parser = argparse.ArgumentParser(prog="replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("service", help="the producing service, e.g. accounts")
    parser.add_argument("event_types", nargs="+", help="event types to publish again")
    args = parser.parse_args(argv)
    path = service_config_path(args.service)
    if not os.path.exists(path):
        print(f"no such service: {args.service}", file=sys.stderr)
        return 2
    config = load_config(path, env={"AUTH_SECRET": "unused-here", **os.environ})
    client = make_client(config["MONGO_URI"])
    try:
        count = requeue_published(client[config["MONGO_DATABASE"]][OUTBOX_COLLECTION], args.event_types)
    finally:
        client.close()
    print(f"{count} {args.service} event(s) queued for publishing again: {', '.join(args.event_types)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
