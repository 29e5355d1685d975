"""The SendBatch fast path takes only the plain request shape; everything else is spyne's."""

from __future__ import annotations

import pytest

from hisms.adapters.webservice.fastbatch import read_batch
from hisms.adapters.webservice.intake import Item

UTF8 = "text/xml; charset=utf-8"
TOKEN = "<wsse:Security xmlns:wsse='urn:x'/>"


def request(batch: str, header: str = TOKEN, declaration: str = "encoding='utf-8'") -> bytes:
    return f"""<?xml version="1.0" {declaration}?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:hisms:sms:1"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soap:Header>{header}</soap:Header>
 <soap:Body><h:SendBatch>{batch}</h:SendBatch></soap:Body>
</soap:Envelope>""".encode()


ITEMS = (
    "<h:Items><h:BatchItem><h:Phone>13800138000</h:Phone></h:BatchItem>"
    "<h:BatchItem><h:Phone>13900139000</h:Phone><h:SourceRef>R2</h:SourceRef>"
    "<h:Content>own 文字</h:Content></h:BatchItem>"
    "<h:BatchItem><!-- a comment --><h:Phone>13700137000</h:Phone><h:Params>{}</h:Params>"
    "</h:BatchItem></h:Items>"
)


def test_the_plain_shape_is_read_item_by_item() -> None:
    batch = read_batch(
        request(
            ITEMS
            + "<h:Content>体检</h:Content><h:BatchRef>B1</h:BatchRef><h:Priority>8</h:Priority>"
        ),
        UTF8,
    )
    assert batch is not None
    assert batch.items == [
        Item("13800138000"),
        Item("13900139000", "own 文字", "R2"),
        Item("13700137000", params="{}"),
    ]
    assert batch.fields == {"Content": "体检", "BatchRef": "B1", "Priority": "8"}
    assert batch.header is not None and len(batch.header) == 1


def test_many_items_are_all_read() -> None:
    items = "".join(
        f"<h:BatchItem><h:Phone>139{n:08d}</h:Phone></h:BatchItem>" for n in range(3000)
    )
    batch = read_batch(request(f"<h:Items>{items}</h:Items><h:Content>x</h:Content>"), "text/xml")
    assert batch is not None
    assert [i.phone for i in batch.items] == [f"139{n:08d}" for n in range(3000)]


@pytest.mark.parametrize(
    ("batch", "content_type", "declaration"),
    [
        (ITEMS + "<h:SendAt>2030-01-01T08:00:00</h:SendAt>", UTF8, ""),  # a DateTime
        (ITEMS + "<h:Priority> 8</h:Priority>", UTF8, ""),
        (ITEMS + "<h:Priority>-1</h:Priority>", UTF8, ""),
        (ITEMS + "<h:Content/>", UTF8, ""),  # empty
        (ITEMS + "<h:Content xsi:nil='true'/>", UTF8, ""),  # an attribute
        (ITEMS + "<h:Content>a</h:Content><h:Content>b</h:Content>", UTF8, ""),  # repeated
        (ITEMS + "<h:Unknown>a</h:Unknown>", UTF8, ""),
        (ITEMS + ITEMS, UTF8, ""),  # two Items
        ("<h:Items/><h:Content>x</h:Content>", UTF8, ""),  # no item
        ("<h:Items><h:BatchItem><h:Content>x</h:Content></h:BatchItem></h:Items>", UTF8, ""),
        ("<h:Items><h:BatchItem><h:Phone>1<b/></h:Phone></h:BatchItem></h:Items>", UTF8, ""),
        ("<h:Items><h:Other/></h:Items>", UTF8, ""),
        ("<h:BatchItem><h:Phone>13800138000</h:Phone></h:BatchItem>", UTF8, ""),  # not in Items
        (ITEMS + "<h:Content>x</h:Content>", "text/xml; charset=gbk", ""),
        (ITEMS + "<h:Content>x</h:Content>", UTF8, "encoding='gb2312'"),
        (ITEMS + "<h:Content>x</h:Content", UTF8, ""),  # malformed
    ],
)
def test_anything_else_is_left_to_spyne(batch: str, content_type: str, declaration: str) -> None:
    assert read_batch(request(batch, declaration=declaration), content_type) is None


def test_other_operations_and_doctypes_are_left_to_spyne() -> None:
    send = request("").replace(b"SendBatch", b"SendSms")
    assert read_batch(send, UTF8) is None
    doctype = request(ITEMS + "<h:Content>x</h:Content>").replace(
        b"<soap:Envelope", b"<!DOCTYPE x [<!ENTITY e 'x'>]>\n<soap:Envelope", 1
    )
    assert read_batch(doctype, UTF8) is None
