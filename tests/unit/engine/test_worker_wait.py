"""The engine's waits between loop turns end on a stop even when their event fires with it."""

import asyncio

from hisms.engine.worker import _wait


def test_a_loop_cancelled_as_its_wake_event_fires_ends() -> None:
    """On Python 3.11, asyncio.wait_for returned normally when the event it awaited was set
    in the same turn as the task's cancellation, and the cancellation was lost: a ``while
    True`` loop around it (the engine's periodic jobs, woken by notifications) ran on, and
    the engine's stop, which cancels and awaits those loops, hung."""

    async def scenario() -> None:
        wake = asyncio.Event()
        turns = 0

        async def every() -> None:
            nonlocal turns
            while True:
                await _wait(wake, 10.0)
                wake.clear()
                turns += 1

        loop = asyncio.create_task(every())
        await asyncio.sleep(0.01)
        wake.set()  # a notification...
        loop.cancel()  # ...and the stop, in the same turn
        done, _ = await asyncio.wait([loop], timeout=1.0)
        assert done and loop.cancelled() and turns == 0

    asyncio.run(scenario())


def test_the_wait_ends_at_its_timeout_or_its_event() -> None:
    async def scenario() -> None:
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await _wait(event, 0.05)
        assert 0.04 <= loop.time() - started < 1.0
        loop.call_later(0.01, event.set)
        started = loop.time()
        await _wait(event, 10.0)
        assert loop.time() - started < 1.0

    asyncio.run(scenario())
