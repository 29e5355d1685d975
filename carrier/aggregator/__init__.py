"""The generic HTTP gateway carrier (``protocol = "http"``) for regional SMS aggregators.

Everything an aggregator's API varies in is configuration: the request (method, URL,
headers, a body templated over the message, JSON or form), the signature (MD5 or
HMAC-SHA256 over a template or the sorted fields), where the answer keeps the result
code, the id and the billed parts (JMESPath or a regular expression), a table of result
codes, and the reports and replies, pushed or pulled. The sample is ``etc/http-gateway.toml``.
"""
