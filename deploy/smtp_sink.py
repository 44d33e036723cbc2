"""A loopback SMTP server (aiosmtpd) for tests, benchmarks and local runs.

    python -m deploy.smtp_sink --port 2525 [--out DIR]

With ``--out`` every message is written to DIR as ``<n>.json`` (envelope
sender, recipients, raw message); without it messages are only counted. It
runs as its own process because the services' tests are monkey-patched by
eventlet and aiosmtpd needs a real asyncio loop. The count received so far is
printed on SIGTERM and kept in DIR/count when ``--out`` is given.
"""
import argparse
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Tests make a recipient fail by listing it in DIR/reject (one a line).
        if self.out and os.path.exists(os.path.join(self.out, "reject")):
            with open(os.path.join(self.out, "reject"), encoding="utf-8") as handle:
                if address in handle.read().split():
                    return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.out:
            record = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                      "data": envelope.original_content.decode("utf-8", "replace")}
            path = os.path.join(self.out, f"{self.count:07d}.json")
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(record, handle, ensure_ascii=False)
            os.replace(path + ".tmp", path)
        return "250 OK"


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    sink = Sink(args.out)
    controller = Controller(sink, hostname="127.0.0.1", port=args.port)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()
    print(sink.count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
