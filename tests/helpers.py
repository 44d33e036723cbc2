"""Small test utilities: waiting for an outcome, reading a queue."""
import socket
import time

from kombu import Connection, Exchange, Queue


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


class QueueTap:
    """A durable test queue bound to a service's events exchange."""

    def __init__(self, amqp_uri, source_service, routing_key, name):
        self.amqp_uri = amqp_uri
        exchange = Exchange(f"{source_service}.events", type="topic", durable=True)
        self.queue = Queue(name, exchange=exchange, routing_key=routing_key, durable=True)
        with Connection(amqp_uri) as conn:
            self.queue(conn.default_channel).declare()

    def drain(self, queue_name=None):
        """Every message currently in the queue, as (body, headers)."""
        messages = []
        with Connection(self.amqp_uri) as conn:
            queue = Queue(queue_name, no_declare=True) if queue_name else self.queue
            bound = queue(conn.default_channel)
            while True:
                message = bound.get(no_ack=True, accept=["json"])
                if message is None:
                    return messages
                messages.append((message.payload, message.headers))


def publish_raw(amqp_uri, exchange_name, routing_key, body, headers=None):
    with Connection(amqp_uri) as conn:
        exchange = Exchange(exchange_name, type="topic", durable=True)
        conn.Producer(serializer="json").publish(
            body, exchange=exchange, routing_key=routing_key, headers=headers or {}, declare=[exchange]
        )
