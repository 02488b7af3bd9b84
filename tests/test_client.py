"""The kernel client of fou run (fou.run.client): ready when the kernel has answered kernel_info and IOPub
has carried the kernel's idle status for it; asks again when IOPub was not connected yet."""

from __future__ import annotations

import asyncio
from queue import Empty

import pytest

from fou.run.client import ReadyClient


class FakeChannel:
    """Messages handed out in order; Empty when none is left (as a channel whose timeout ran out)."""

    def __init__(self, messages):
        self.messages = list(messages)
        self.asked = 0

    async def get_msg(self, timeout=None):
        self.asked += 1
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


def _status(parent: str, state: str = "idle") -> dict:
    return {"msg_type": "status", "parent_header": {"msg_id": parent}, "content": {"execution_state": state}}


def _reply(parent: str) -> dict:
    return {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": parent},
            "content": {"protocol_version": "5.3"}}


def _client(shell, iopub, alive=True):
    client = ReadyClient()
    ids = iter(["k1", "k2", "k3", "k4"])
    client.sent = []
    client.kernel_info = lambda: client.sent.append(next(ids)) or client.sent[-1]
    client._shell_channel, client._iopub_channel = FakeChannel(shell), FakeChannel(iopub)

    async def is_alive():
        return alive

    client._async_is_alive = is_alive
    return client


def test_ready_after_the_reply_and_the_idle_status_for_it_other_messages_ignored():
    client = _client([_reply("k1")], [_status("k1", "busy"), _status("other"), _status("k1")])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.sent == ["k1"] and client._iopub_channel.messages == []


def test_iopub_not_yet_connected_asks_again_and_accepts_the_idle_of_either_request():
    # the first idle status was published before IOPub was connected: nothing comes, the client asks again;
    # the idle that then arrives belongs to the first request (queued late): still the kernel's answer
    client = _client([_reply("k1"), _reply("k2")], [])
    client._iopub_channel.messages = []
    original = client._iopub_channel.get_msg

    async def later(timeout=None):
        if len(client.sent) >= 2 and not client._iopub_channel.messages and client._iopub_channel.asked < 5:
            client._iopub_channel.messages.append(_status("k1"))
        return await original(timeout)

    client._iopub_channel.get_msg = later
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.sent == ["k1", "k2"]


def test_a_dead_kernel_is_reported_not_waited_for():
    client = _client([], [], alive=False)
    with pytest.raises(RuntimeError, match="died before replying"):
        asyncio.run(client.wait_for_ready(timeout=5))


def test_nbclient_calls_the_method_that_waits_this_way():
    assert ReadyClient.wait_for_ready is ReadyClient._async_wait_for_ready
