"""Import an enterprise directory (CSV or XLSX) into a running platform.

    python -m services.accounts.import_cli enterprises.xlsx --username organiser@qh.gov.cn

Rows go to the accounts service in chunks over RPC (the same rules as the
HTTP import), with a progress bar on stderr and the error report written as
CSV (``--errors``). The organiser's password comes from ORGANISER_PASSWORD
or a prompt; a token in QH_TOKEN skips the login.
"""
import argparse
import csv
import getpass
import json
import os
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from services.accounts.import_file import parse_directory
from shared.auth import TOKEN_KEY
from shared.errors import DomainError


def progress(done, total, imported, failed, stream=None, width=30):
    stream = stream or sys.stderr
    filled = int(width * done / total) if total else width
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows · "
                 f"{imported} imported · {failed} refused")
    stream.flush()


def run_import(rows, call, chunk_size=500, report=progress):
    """Send ``rows`` through ``call(chunk)`` and merge the answers."""
    total = {"received": 0, "imported": 0, "failed": 0, "errors": []}
    for start in range(0, len(rows), chunk_size):
        answer = call(rows[start:start + chunk_size])
        for key in ("received", "imported", "failed"):
            total[key] += answer[key]
        total["errors"].extend(answer["errors"])
        report(min(start + chunk_size, len(rows)), len(rows), total["imported"], total["failed"])
    return total


def write_errors(path, errors):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["行号 / row", "统一社会信用代码 / USCC", "字段 / field", "错误 / error"])
        for error in errors:
            for field, messages in error["errors"].items():
                for message in messages if isinstance(messages, list) else [json.dumps(messages)]:
                    writer.writerow([error["row"], error["uscc"] or "", field, message])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="import_cli", description="import an enterprise directory")
    parser.add_argument("file")
    parser.add_argument("--username", help="organiser username (else QH_TOKEN)")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--errors", default="import-errors.csv", help="where to write the error report")
    args = parser.parse_args(argv)

    with open(args.file, "rb") as handle:
        data = handle.read()
    config = {"AMQP_URI": args.amqp_uri}
    try:
        rows = parse_directory(data, filename=args.file)
        token = os.environ.get("QH_TOKEN")
        if not token:
            if not args.username:
                parser.error("give --username or set QH_TOKEN")
            password = os.environ.get("ORGANISER_PASSWORD") or getpass.getpass("password: ")
            with ClusterRpcProxy(config) as cluster:
                token = cluster.accounts.login({"username": args.username, "password": password})["token"]
        with ClusterRpcProxy(config, context_data={TOKEN_KEY: token}) as cluster:
            result = run_import(rows, cluster.accounts.import_enterprises, args.chunk_size)
    except DomainError as error:
        print(f"error: {error.message} {error.fields or ''}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    print(f"{result['received']} rows: {result['imported']} imported, {result['failed']} refused")
    if result["errors"]:
        write_errors(args.errors, result["errors"])
        print(f"error report: {args.errors}")
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
