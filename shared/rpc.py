"""RPC entrypoint whose domain refusals are expected, not crashes.

A ``DomainError`` (bad field, forbidden, not found, conflict, rule) is part of
a command's contract: nameko logs it as a warning and the caller receives the
same exception class with its field messages.
"""
from nameko.rpc import Rpc

from shared.errors import DomainError

rpc = Rpc.decorator(expected_exceptions=(DomainError,))
