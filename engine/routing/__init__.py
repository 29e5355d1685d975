"""Which channel a message takes: ordered rules naming channel groups (:mod:`.rules`),
weighted choice and failover within a group (:mod:`.router`), the rules of a fresh
install from the configuration (:mod:`.seed`)."""
