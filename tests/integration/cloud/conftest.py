"""A cloud SMS provider's simulator, its carrier over the official SDK, the engine, and the
HTTP server the pushes come in on, all on 127.0.0.1 in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from hisms.adapters.http.server import HttpServer, Tls
from hisms.carrier.aliyun.client import from_config as aliyun_carrier
from hisms.carrier.aliyun.simulator import AliyunSimulator
from hisms.carrier.cloudsim.sim import CloudSimulator, Hooks
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.simulator.config import Faults, SimConfig
from hisms.carrier.tencent.client import from_config as tencent_carrier
from hisms.carrier.tencent.simulator import TencentSimulator
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.store.base import Store
from hisms.engine.worker import Engine

KEY, SECRET = "LTAI5tKey", "s3cret-Pa55"
SIGN = "测试医院"
APP_ID = "1400123456"
# Our template FZ and the provider's: by name at Aliyun, by position at Tencent. YY is
# registered at the provider with a variable we never send (the provider refuses it).
FZ = {"code": "FZ", "body": "{patient}您好，请于{time}复诊", "category": "notice"}
YY = {"code": "YY", "body": "{patient}您好", "category": "notice"}
REGISTERED = {
    "aliyun": {
        "SMS_TEXT": "${content}",
        "SMS_FZ": "${patient}您好，请于${time}复诊",
        "SMS_YY": "${patient}您好，${extra}",
    },
    "tencent": {"100000": "{1}", "200000": "{1}您好，请于{2}复诊", "300000": "{1}您好，{2}"},
}
MAPPED = {
    "aliyun": {
        "templates": {"FZ": "SMS_FZ", "YY": "SMS_YY"},
        "text_template": "SMS_TEXT",
    },
    "tencent": {
        "templates": {
            "FZ": {"code": "200000", "params": ["patient", "time"]},
            "YY": {"code": "300000", "params": ["patient"]},
        },
        "text_template": "100000",
        "app_id": APP_ID,
    },
}
# "aliyun-batch": the Aliyun channel with SendBatchSms (numbers of one text share a request).
BATCH = {"numbers_per_request": 100}


def base(provider: str) -> str:
    """The provider behind a test's name for it (``aliyun-batch`` is Aliyun's)."""
    return provider.removesuffix("-batch")


FAST = {
    "scheme": "http",
    "report_wait_seconds": 60.0,
    "poll_every_seconds": 0.2,
    "throttle_wait_seconds": 0.05,
    "max_throttles": 5,
    "timeout_seconds": 5.0,
    "drain_seconds": 1.0,
}


@dataclass
class Cloud:
    sim: CloudSimulator
    carrier: HttpCarrier
    store: Store


def simulator(provider: str, config: SimConfig, tls: Tls | None = None) -> CloudSimulator:
    provider = base(provider)
    if provider == "aliyun":
        return AliyunSimulator(
            config, Hooks(), signs=[SIGN], registered=REGISTERED[provider], tls=tls
        )
    return TencentSimulator(
        config, Hooks(), app_id=APP_ID, signs=[SIGN], registered=REGISTERED[provider], tls=tls
    )


def carrier(provider: str, port: int, **options: Any) -> HttpCarrier:
    given = {
        "key": KEY,
        "secret": SECRET,
        "endpoint": f"127.0.0.1:{port}",
        **MAPPED[base(provider)],
        **(BATCH if provider.endswith("-batch") else {}),
        **FAST,
        **options,
    }
    make = aliyun_carrier if base(provider) == "aliyun" else tencent_carrier
    return make("cloud", given)


def settings(url: str) -> Settings:
    return Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id="cloud",
            batch_size=200,
            poll_min_seconds=0.01,
            poll_max_seconds=0.1,
            writeback_every_seconds=0.05,
            retry_base_seconds=0.2,
            retry_max_seconds=0.5,
            max_attempts=20,
        ),
        validation=ValidationConfig(default_signature=SIGN),
        channels=[ChannelConfig(name="cloud", protocol="aliyun")],
    )


@contextlib.asynccontextmanager
async def running(
    provider: str,
    store: Store,
    url: str,
    *,
    drop_ratio: float = 0.0,
    faults: Faults | None = None,
    push_replies: bool = True,
    report_delay: float = 0.05,
    **options: Any,
) -> AsyncIterator[Cloud]:
    """The simulator (reports after ``report_delay``, a reply to 预约 after 200 ms), the
    carrier (``options`` over the fast defaults), the engine, and the callback server.
    Without ``push_replies`` no reply callback is registered (replies wait for the pulls)."""
    config = SimConfig(
        KEY, SECRET, report_delay=report_delay, mo_delay=0.2, faults=faults or Faults()
    )
    sim = simulator(provider, config)
    async with sim:
        cloud = carrier(provider, sim.port, **options)
        server = HttpServer("127.0.0.1", 0, cloud.routes())
        await server.start()
        base = f"{server.url}/callbacks/cloud"
        mo_url = f"{base}/mo" if push_replies else ""
        sim.hooks = Hooks(f"{base}/report", mo_url, drop_ratio)
        engine = Engine(settings(url), store, {"cloud": cloud})
        task = asyncio.create_task(engine.run())
        try:
            yield Cloud(sim, cloud, store)
        finally:
            engine.stop()
            await task
            await server.stop()
