"""A round trip through the platform's RPC stack against a bare nameko RPC.

The platform's RPC entrypoint adds the caller-identity and correlation
dependencies and domain-error handling; the ratio shows what that costs.
"""
import os

from nameko.rpc import rpc as bare_rpc
from nameko.runners import ServiceRunner
from nameko.standalone.rpc import ServiceRpcProxy

from bench.harness import record, timed
from shared.auth import CallerIdentity
from shared.logging import CorrelationTracker
from shared.rpc import rpc

CALLS = 500


class BareService:
    name = "bench_bare"

    @bare_rpc
    def echo(self, value):
        return value


class PlatformService:
    name = "bench_platform"
    caller = CallerIdentity()
    correlation = CorrelationTracker()

    @rpc
    def echo(self, value):
        return value


def run():
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
              "AUTH_SECRET": "bench-only"}
    runner = ServiceRunner(config)
    runner.add_service(BareService)
    runner.add_service(PlatformService)
    runner.start()
    try:
        def loop(service):
            def calls():
                with ServiceRpcProxy(service, config) as proxy:
                    for n in range(CALLS):
                        proxy.echo(n)
            return calls

        loop("bench_bare")()  # warm up both
        loop("bench_platform")()
        bare = timed(loop("bench_bare"))
        platform = timed(loop("bench_platform"))
        record("rpc_500_calls_vs_bare_nameko", platform, "s", "bare_nameko_rpc", bare,
               goal=">= 0.8", repetitions=3)
    finally:
        runner.stop()
