"""Operator commands for the accounts service.

    python -m services.accounts.cli create-organiser --email a@b.cn --name 张三

The password is read from ``ORGANISER_PASSWORD`` or prompted for; with
``--generate`` a random one is made and printed once. Nothing here has a
built-in password.
"""
import argparse
import getpass
import os
import secrets
import sys
from datetime import UTC, datetime

from services.accounts import domain
from services.accounts.repository import AccountsRepository
from services.accounts.schemas import CreateUserSchema
from shared.auth import hash_password
from shared.config import load_config, service_config_path
from shared.errors import DomainError
from shared.mongo import make_client
from shared.validation import load


def create_organiser(repository, email, name, password):
    data = load(CreateUserSchema(), {"email": email, "name": name, "password": password})
    user = domain.new_user(
        data["email"], data["name"], "organiser", hash_password(data["password"]), datetime.now(UTC)
    )
    repository.add_user(user)
    return user


def open_repository():
    config = load_config(service_config_path("accounts"), env={**os.environ, "AUTH_SECRET": "unused-here"})
    client = make_client(config["MONGO_URI"])
    repository = AccountsRepository(client, client[config["MONGO_DATABASE"]])
    repository.ensure_indexes()
    return repository


def main(argv=None):
    parser = argparse.ArgumentParser(prog="accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-organiser", help="create an organiser account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--generate", action="store_true", help="generate and print a password")
    create.add_argument("--if-none", action="store_true",
                        help="do nothing if any organiser exists already")
    args = parser.parse_args(argv)

    repository = open_repository()
    if args.if_none and repository.count_users("organiser"):
        print("an organiser account exists already; nothing created")
        return 0
    if args.generate:
        password = secrets.token_urlsafe(12)
    else:
        password = os.environ.get("ORGANISER_PASSWORD") or getpass.getpass("password: ")
    try:
        user = create_organiser(repository, args.email, args.name, password)
    except DomainError as error:
        print(f"error: {error.message} {error.fields or ''}", file=sys.stderr)
        return 2
    print(f"organiser created: {user['username']}")
    if args.generate:
        print(f"password: {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
