"""Alibaba Cloud SMS (Dysmsapi 2017-05-25): the carrier over the official SDK, and a simulator."""
