"""The ``[policy]`` section of the configuration: what the database does not hold."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hisms.adapters.his.profiles import Category


class PolicyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A reply that is one of these (full-width, case, spaces and punctuation ignored) adds a
    # blacklist entry for the replied-to source system's categories below.
    unsubscribe_keywords: list[str] = ["TD", "T", "退订", "N", "0000"]
    unsubscribe_categories: list[Category] = ["notice", "marketing"]
    # The confirmation an unsubscribe reply gets (signed as the source it replied to), sent
    # through the outbox as a transactional message; "" = none.
    unsubscribe_reply: str = Field("", max_length=500)
    # The regulator's word list, one word a line, loaded into the database by `hisms run`.
    words_file: str = ""
