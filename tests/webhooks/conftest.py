"""A real redis-server for the relay's end-to-end webhook tests."""

from tests.feeds.redisserver import redis_server

__all__ = ["redis_server"]
