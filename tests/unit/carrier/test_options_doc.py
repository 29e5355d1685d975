"""docs/carrier-options.md is the generator's output for the option models as they are."""

from __future__ import annotations

from pathlib import Path

from hisms.carrier import options_doc
from hisms.carrier.cmpp.options import CmppOptions

DOC = Path(__file__).resolve().parents[3] / "docs" / "carrier-options.md"


def test_the_committed_table_is_the_generated_one() -> None:
    assert DOC.read_text("utf-8") == options_doc.render(), (
        "regenerate: python -m hisms.carrier.options_doc docs/carrier-options.md"
    )


def test_every_option_has_a_description_and_a_row() -> None:
    text = options_doc.render()
    for model in options_doc.MODELS.values():
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
            assert f"| `{info.alias or name}` |" in text
    assert '| `version` | "3.0" / "3" / "2.0" / "2" | "3.0" |' in text
    assert CmppOptions.model_fields["secret"].repr is False
