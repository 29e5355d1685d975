"""``hisms doctor``: checks a deployment and says what is wrong and how to fix it."""

from hisms.engine.doctor.findings import Finding, Verdict

__all__ = ["Finding", "Verdict"]
