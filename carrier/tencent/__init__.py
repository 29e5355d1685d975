"""Tencent Cloud SMS (2021-01-11): the carrier over the official SDK, and a simulator."""
