"""Gateway simulators for tests, demos and benches: the machinery every protocol shares.

A protocol's ``simulator`` module defines its :class:`GatewaySimulator`, its
:class:`PduSession` and its ``cli`` (made by :func:`~.cli.command`).
"""

from hisms.carrier.simulator.config import (
    DEFAULT_MO_RULES,
    Counters,
    Faults,
    MoRule,
    PendingMo,
    PendingReport,
    ReportPlan,
    SimConfig,
)
from hisms.carrier.simulator.gateway import Decision, GatewaySimulator
from hisms.carrier.simulator.session import PduSession

__all__ = [
    "DEFAULT_MO_RULES",
    "Counters",
    "Decision",
    "Faults",
    "GatewaySimulator",
    "MoRule",
    "PduSession",
    "PendingMo",
    "PendingReport",
    "ReportPlan",
    "SimConfig",
]
