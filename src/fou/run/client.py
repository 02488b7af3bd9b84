"""The kernel client nbclient uses: ready as soon as the kernel has answered, not 0.2 s later.

jupyter_client's ``wait_for_ready`` sends ``kernel_info``, takes the reply, and then
empties the IOPub channel until it has been silent for 0.2 s: on every kernel start,
0.2 s of nothing (30 s of a 290-page batch on two workers). Here the client waits for
exactly what readiness means: the reply on the shell channel and the kernel's
``status: idle`` for it on IOPub (which also proves IOPub is connected; if nothing comes
within :data:`IOPUB_WAIT`, the request is sent again). Later messages are matched to their requests by
nbclient, which ignores any other.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import ensure_async

#: Seconds to wait for an idle status on IOPub before asking again: a new IOPub subscription misses
#: what the kernel publishes until it is connected (ZeroMQ's "slow joiner"), a few milliseconds.
IOPUB_WAIT = 0.05


class ReadyClient(AsyncKernelClient):
    """:class:`AsyncKernelClient` whose ``wait_for_ready`` returns when the kernel is idle after ``kernel_info``."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        asked: set[str] = set()
        while True:
            asked.add(self.kernel_info())
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply" and await self._idle_after(asked):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _idle_after(self, asked: set[str]) -> bool:
        """Whether IOPub brings the kernel's idle status after one of the ``asked`` requests within :data:`IOPUB_WAIT`."""
        end = time.monotonic() + IOPUB_WAIT
        while (left := end - time.monotonic()) > 0:
            try:
                msg: dict[str, Any] = await ensure_async(self.iopub_channel.get_msg(timeout=left))
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") in asked
                    and msg["content"].get("execution_state") == "idle"):
                return True
        return False

    wait_for_ready = _async_wait_for_ready  # what nbclient calls (AsyncKernelClient binds the base method by name)
