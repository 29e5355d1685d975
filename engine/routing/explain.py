"""What `hisms route list` and `hisms route explain` read, for the CLI and the console alike:
the table in force (the database's, else the configuration's) and why a number takes the
channel it takes, from the engines' fresh views of the channels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hisms.engine import phone
from hisms.engine.health import Mode, Standing, State
from hisms.engine.numbering import NumberInfo
from hisms.engine.router import Route, Router
from hisms.engine.routing.rules import Facts, RouteTable
from hisms.engine.store.base import Store

# An engine's row older than this is shown as stale and ignored by `route explain`.
STALE_SECONDS = 60.0
FROM_DB = "the database"
FROM_CONFIG = "the configuration (the database holds no rule)"

Seed = Callable[[], RouteTable]  # the configuration's routing (Settings.seed_routes)


def current(store: Store, seed: Seed) -> tuple[RouteTable, str]:
    """The rules in force and where they come from (FROM_DB or FROM_CONFIG)."""
    table = store.load_routes()
    if table is None:
        return seed(), FROM_CONFIG
    return table, FROM_DB


@dataclass(frozen=True)
class Explained:
    number: str  # normalised
    info: NumberInfo
    where: str  # FROM_DB or FROM_CONFIG
    lines: list[str]  # each rule tried, the group's channels, the choice
    route: Route

    @property
    def region(self) -> str:
        return " ".join(dict.fromkeys(p for p in (self.info.province, self.info.city) if p))


def explain(store: Store, seed: Seed, number: str, **given: Any) -> Explained:
    """Which rule and channel a message to ``number`` would take now; ``given``: the other
    :class:`Facts` (source, account, dept, signature, template, priority). Raises
    phone.InvalidPhone for what is not a number."""
    normalised = phone.normalise(number)
    table, where = current(store, seed)
    states = standings(store)
    router = Router(
        table, lambda c: states.get(c, Standing(State.UP, "no engine reports it", True))
    )
    info = router.number(normalised, region=True)
    facts = Facts(info, **given)
    return Explained(normalised, info, where, router.explain(facts), router.route(facts))


def standings(store: Store) -> dict[str, Standing]:
    """The best fresh view of each channel among the engines (one taking traffic before a
    standby), the operators' modes over it."""
    rank = {State.UP: 0, State.DEGRADED: 1, State.DOWN: 2, State.DISABLED: 3}
    best: dict[str, Standing] = {}

    def worse(a: Standing, b: Standing) -> bool:
        return (not a.takes_new, rank[a.state]) > (not b.takes_new, rank[b.state])

    for r in store.channel_states():
        if float(r["age_seconds"]) > STALE_SECONDS:
            continue
        seen = Standing(State(r["state"]), r["reason"] or "", bool(r["takes_new"]))
        if r["channel"] not in best or worse(best[r["channel"]], seen):
            best[r["channel"]] = seen
    for m in store.channel_modes():
        seen = best.get(m["channel"], Standing(State.UP, "", True))
        state = State.DISABLED if m["admin_mode"] == Mode.DISABLED else seen.state
        said = f"{str(m['admin_mode']).lower()} by {m['changed_by']}: {m['reason'] or ''}"
        best[m["channel"]] = Standing(state, said, False)
    return best
