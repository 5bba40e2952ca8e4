"""Fixtures of the feeds' tests: a real redis-server for the relay's."""

from tests.feeds.redisserver import redis_server

__all__ = ["redis_server"]
