"""The meter's copies into and out of a stopped worker's memory: process_vm_readv/writev, and
/proc/PID/mem where those calls are refused; both byte-exact, and a bad address is the
measurement's failure, not a crash."""

from __future__ import annotations

import os
import signal

import pytest
import torch
from maxcode.sandbox.judges.kernel import worker


@pytest.fixture
def stopped_child():
    """A forked process holding a 3 MB buffer of known bytes, stopped; (pid, address, tensor)."""
    r, w = os.pipe()
    held = torch.arange(3 * 2**20, dtype=torch.uint8)
    pid = os.fork()
    if pid == 0:  # the "worker": keeps its buffer until killed
        os.close(r)
        os.write(w, held.data_ptr().to_bytes(8, "little"))
        signal.pause()
        os._exit(0)
    os.close(w)
    address = int.from_bytes(os.read(r, 8), "little")
    os.close(r)
    os.kill(pid, signal.SIGSTOP)
    os.waitpid(pid, os.WUNTRACED)
    yield pid, address, held
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@pytest.mark.parametrize("vm_calls", [True, False], ids=["process_vm", "proc_mem"])
def test_the_meter_writes_and_reads_a_workers_memory_exactly(stopped_child, monkeypatch, vm_calls):
    pid, address, held = stopped_child
    monkeypatch.setattr(worker, "_TORCH", torch, raising=False)
    if not vm_calls:
        def refused(_pid):
            raise OSError(38, "Function not implemented")  # a seccomp profile's ENOSYS
        monkeypatch.setattr(worker, "_VmTransfer", refused)
    meter = worker._Meter(pid, -1, -1, whole_uid=False)
    meter.open_memory()
    assert (meter._vm is not None) == vm_calls and (meter.mem is not None) != vm_calls

    seen = torch.empty_like(held)
    meter.read_into(address, seen)
    assert torch.equal(seen, held)  # the child's copy: same bytes as the parent's at fork
    sent = torch.randn(2**18)  # 1 MB, written at an unaligned offset
    meter.write(address + 3, sent)
    back = torch.empty_like(sent)
    meter.read_into(address + 3, back)
    assert torch.equal(back, sent)
    with pytest.raises(worker._Failure, match="cannot be read"):
        meter.read_into(8, torch.empty(16))  # unmapped in any process
