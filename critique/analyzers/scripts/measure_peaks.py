"""Sandbox-side: the machine's practical peaks, measured with torch (copy and matmul).

Writes peaks.json: memory bandwidth (bytes/s) from a large tensor copy, arithmetic rate
(FLOP/s) from an fp32 matmul; best of several repeats. argv: device.
"""

import json
import sys
import time

import torch


def best_time(fn, device, repeats=5):
    fn()
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - started)
    return best


def main():
    device = sys.argv[1]
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    numel = (256 if device == "cuda" else 32) * (
        1 << 20
    )  # 1 GiB / 128 MiB of fp32: far past the caches
    src = torch.randn(numel, device=device)
    dst = torch.empty_like(src)
    copy_s = best_time(lambda: dst.copy_(src), device)
    n = 8192 if device == "cuda" else 1024
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    matmul_s = best_time(lambda: torch.mm(a, b), device)
    record = {
        "device": device,
        "threads": torch.get_num_threads(),
        "bandwidth_bytes_per_s": 2 * src.numel() * src.element_size() / copy_s,  # read + write
        "flops_per_s": 2 * n**3 / matmul_s,
    }
    with open("peaks.json", "w") as f:
        json.dump(record, f)


main()
