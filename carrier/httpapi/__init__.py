"""The shared layer of the HTTP carriers (cloud SMS APIs and aggregators' gateways).

A provider (:class:`~hisms.carrier.httpapi.provider.Provider`) knows one API: how to send,
what its answers mean, how it pushes reports and replies and how to poll them. The
:class:`~hisms.carrier.httpapi.carrier.HttpCarrier` around it is the same for every
provider: the engine's carrier interface, rate and concurrency shared across engines,
throttling and authentication failures, the callback routes on the engine's HTTP server,
and polling for the reports no push brought. See ``docs/http-carriers.md``.
"""
