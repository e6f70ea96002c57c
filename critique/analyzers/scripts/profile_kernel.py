"""Sandbox-side: per-operator times of a KernelBench candidate under torch.profiler.

Reads problem.py (Model, get_inputs, get_init_inputs) and candidate.py (ModelNew) from the
working directory, writes profile.json. Run by maxcode.critique.analyzers.kernel_profile; argv:
device, iterations.
"""

import importlib.util
import json
import sys
import time

import torch


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FORWARD_SCOPE = "ModelNew.forward"


def tensor_bytes(values):
    return sum(t.numel() * t.element_size() for t in values if isinstance(t, torch.Tensor))


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def main():
    device, iterations = sys.argv[1], int(sys.argv[2])
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    problem = load("problem.py", "problem")
    candidate = load("candidate.py", "candidate")
    model = candidate.ModelNew(*problem.get_init_inputs()).to(device).eval()
    inputs = [x.to(device) if isinstance(x, torch.Tensor) else x for x in problem.get_inputs()]
    with torch.no_grad():
        out = model(*inputs)
        sync(device)
        started = time.perf_counter()
        for _ in range(iterations):
            out = model(*inputs)
        sync(device)
        per_call = (time.perf_counter() - started) / iterations
        activities = [torch.profiler.ProfilerActivity.CPU]
        if device == "cuda":
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(
            activities=activities, record_shapes=True, with_flops=True
        ) as prof:
            for _ in range(iterations):
                # A named scope around the call: its self time is everything that is not an
                # aten op, i.e. the candidate's own compiled kernels (invisible otherwise).
                with torch.profiler.record_function(FORWARD_SCOPE):
                    model(*inputs)
            sync(device)
    outs = out if isinstance(out, (list, tuple)) else [out]
    ops = []
    for event in prof.key_averages():
        device_us = (
            getattr(event, "self_device_time_total", 0)
            or getattr(event, "self_cuda_time_total", 0)
            or 0
        )
        ops.append(
            {
                "name": event.key,
                "calls": event.count / iterations,
                "self_cpu_us": event.self_cpu_time_total / iterations,
                "self_device_us": device_us / iterations,
                "flops": (event.flops or 0) / iterations,
            }
        )
    ops.sort(key=lambda o: -(o["self_device_us"] or o["self_cpu_us"]))
    record = {
        "device": device,
        "threads": torch.get_num_threads(),
        "time_per_call_s": per_call,
        "input_bytes": tensor_bytes(inputs),
        "output_bytes": tensor_bytes(outs),
        "output_numel": sum(t.numel() for t in outs if isinstance(t, torch.Tensor)),
        "ops": ops[:15],
    }
    with open("profile.json", "w") as f:
        json.dump(record, f)


main()
