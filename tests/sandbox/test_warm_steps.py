"""Warm Python steps (`Step.warm`): forked by the runner's zygote in the docker backend.

A warm step must be the same step as a cold one for everything the judge relies on (exit
status, streams, limits, uid, what survives it), start with the listed modules already
imported, and give the step no way to reach the zygote or the next step."""

from __future__ import annotations

import signal

import pytest
from maxcode.sandbox.run_spec import GiB, Limits, MiB, RunSpec, Step
from maxcode.sandbox.runner.protocol import write_plan
from programs.support import backend_for

IMAGE = "kernel-cpu"  # an image with the zygote and torch (the kernel judge's)
WARM = "numpy,torch"


@pytest.fixture(scope="module")
def backend(request):
    b = backend_for("docker", request)
    if not b.image_available(IMAGE):
        pytest.skip(f"the {IMAGE} image is not built (bash sandbox/images/build.sh {IMAGE})")
    yield b
    b.close()


def run(backend, script: str, *args: str, warm: str = WARM, limits: Limits | None = None, env=None):
    step = Step(argv=["python3", "-I", "-B", "main.py", *args], warm=warm, stop_on_failure=False,
                limits=limits or Limits(wall_time_s=60.0, memory_bytes=4 * GiB))
    result = backend.run(RunSpec(steps=[step], files={"main.py": script.encode()}, image=IMAGE,
                                 env=env or {}))
    return result.steps[0]


REPORT = """
import os, resource, sys
print("warm", "torch" in sys.modules)
print("uid", os.getuid(), os.getgid(), os.getgroups())
print("cwd", os.getcwd())
print("argv", sys.argv)
print("fds", sorted(int(f) for f in os.listdir("/proc/self/fd")))
print("as", resource.getrlimit(resource.RLIMIT_AS)[0])
print("nproc", resource.getrlimit(resource.RLIMIT_NPROC)[0])
print("env", os.environ.get("MARK"))
print("main", __name__)
sys.stderr.write("to stderr\\n")
sys.exit(int(sys.argv[1]))
"""


def facts(step) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in step.stdout.decode().splitlines())


def test_a_warm_step_is_the_cold_step_with_its_modules_already_imported(backend):
    limits = Limits(wall_time_s=60.0, memory_bytes=3 * GiB, max_processes=77)
    warm = run(backend, REPORT, "3", limits=limits, env={"MARK": "m1"})
    cold = run(backend, REPORT, "3", warm="", limits=limits, env={"MARK": "m1"})
    assert facts(warm).pop("warm") == "True" and facts(cold).pop("warm") == "False"
    for step in (warm, cold):
        assert step.exit_code == 3 and step.signal is None and not step.timed_out
        assert step.stderr == b"to stderr\n"
    assert {k: v for k, v in facts(warm).items() if k != "warm"} == \
           {k: v for k, v in facts(cold).items() if k != "warm"}
    seen = facts(warm)
    assert seen["uid"].split()[0] != "0" and seen["uid"].endswith("[]")
    assert seen["cwd"] == "/work" and seen["argv"] == "['main.py', '3']" and seen["main"] == "__main__"
    assert seen["fds"] == "[0, 1, 2, 3]"  # 3: listdir's own
    assert seen["as"] == str(3 * GiB) and seen["nproc"] == "77" and seen["env"] == "m1"


def test_a_warm_call_runs_once_in_the_zygote_and_its_cache_is_inherited(backend):
    """`module:function` in the module list: called once where the zygote starts (the kernel
    judge's compile baseline warms inductor's ISA probe so), never again in a step."""
    from maxcode.sandbox.judges.kernel.sides import WARM_COMPILER, WARM_MODULES

    probe = ("import sys\n"
             "isa = sys.modules.get('torch._inductor.cpu_vec_isa')\n"
             "print(isa.valid_vec_isa_list.cache_info().currsize if isa else 'not imported')\n")
    warm = run(backend, probe, warm=WARM_MODULES + WARM_COMPILER)
    plain = run(backend, probe, warm=WARM_MODULES)
    assert warm.exit_code == 0 and warm.stdout.decode().split() == ["1"], warm.stderr.decode()[-2000:]
    assert plain.stdout.decode().strip() == "not imported"


def test_skipping_inductors_isa_probe_picks_the_isas_the_probe_finds(backend):
    """The kernel judge's processes skip inductor's per-process ISA probe (VEC_ISA_OK): in this
    image, on this CPU, the CPU's flags alone must give the list that compiling and loading a
    probe program for each ISA gives."""
    from maxcode.sandbox.judges.kernel.sides import VEC_ISA_OK

    probe = ("import torch._inductor.cpu_vec_isa as isa\n"
             "print(sorted(str(x) for x in isa.valid_vec_isa_list()), str(isa.pick_vec_isa()))\n")
    probed = run(backend, probe, warm="", env={"TORCHINDUCTOR_VEC_ISA_OK": ""})
    skipped = run(backend, probe, warm="", env=VEC_ISA_OK)
    assert probed.exit_code == 0 and skipped.exit_code == 0, probed.stderr.decode()[-2000:]
    assert skipped.stdout == probed.stdout and probed.stdout.strip()


def test_exits_signals_and_exceptions_read_as_they_would_cold(backend):
    assert run(backend, "raise SystemExit('bad input')").exit_code == 1
    assert run(backend, "raise SystemExit").exit_code == 0
    crashed = run(backend, "raise ValueError('boom')")
    assert crashed.exit_code == 1 and b"ValueError: boom" in crashed.stderr
    killed = run(backend, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert killed.signal == signal.SIGSEGV and killed.exit_code is None


def test_limits_hold_in_a_warm_step(backend):
    spin = run(backend, "while True: pass", limits=Limits(wall_time_s=1.0))
    assert spin.timed_out and spin.wall_time_s < 3
    hog = run(backend, "import torch\nx = torch.ones(2**31)", limits=Limits(wall_time_s=30, memory_bytes=2 * GiB))
    assert hog.memory_exceeded and not hog.ok
    assert run(backend, "print('after')").stdout == b"after\n"  # the zygote still serves


ATTACK = """
import ctypes, glob, os, signal, socket
zygote = os.getppid()
libc = ctypes.CDLL(None, use_errno=True)
print("ptrace", libc.ptrace(16, zygote, 0, 0), ctypes.get_errno())  # PTRACE_ATTACH
try:
    os.kill(zygote, signal.SIGKILL)
    print("kill ok")
except PermissionError:
    print("kill denied")
try:
    print("listing", os.listdir("/run/mcrun"))
except PermissionError:
    print("listing denied")
for path in glob.glob("/run/mcrun/zygote-*"):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        print("connected", path)
    except OSError as e:
        print("connect", e.errno)
try:
    open(f"/proc/{zygote}/mem", "rb").read(1)
    print("mem read")
except OSError:
    print("mem denied")
import torch
torch.add = None  # a module patched here must not reach the next step
os.fork() or os.execvp("sleep", ["sleep", "1000"])  # a process left behind
"""


def test_a_step_cannot_reach_its_zygote_or_the_next_step(backend):
    attack = run(backend, ATTACK)
    said = attack.stdout.decode()
    assert attack.ok, attack.stderr
    assert "ptrace -1 1" in said  # EPERM
    assert "kill denied" in said and "listing denied" in said and "mem denied" in said
    assert "connected" not in said
    after = run(backend, "import torch, sys\nprint(torch.add is not None, 'torch' in sys.modules)")
    assert after.stdout == b"True True\n"
    # Nothing of the last step's uid is left (the runner's sweep reaches forked steps too).
    leftover = run(backend, "import os\nfor p in os.listdir('/proc'):\n"
                            "    if p.isdigit():\n"
                            "        try: print(open(f'/proc/{p}/cmdline','rb').read().split(b'\\0')[0].decode())\n"
                            "        except OSError: pass\n")
    assert "sleep" not in leftover.stdout.decode()


def test_a_zygote_that_cannot_start_leaves_the_step_cold(backend):
    step = run(backend, REPORT, "0", warm="no_such_module_anywhere")
    assert step.ok and facts(step)["warm"] == "False"


# Kills the interpreters running zygote.py (not this shell, whose command line names it too),
# then lists what is left and the zygotes' logs.
KILL_ZYGOTES = """
for p in /proc/[0-9]*; do
  case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in python3*zygote.py*) kill -9 "${p#/proc/}";; esac
done
sleep 0.2
for p in /proc/[0-9]*; do
  case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in python3*zygote.py*) echo "alive: ${p#/proc/}";; esac
done
cat /run/mcrun/zygote-*.log 2>/dev/null
"""


def test_a_zygote_that_died_is_started_again(backend):
    assert facts(run(backend, REPORT, "0"))["warm"] == "True"
    containers = [c for pool in backend._idle.values() for c in pool]
    assert containers  # the warm pool kept the container, zygote and all
    said = [c.handle.exec_run(["sh", "-c", KILL_ZYGOTES], user="0").output.decode() for c in containers]
    assert not any("alive:" in text for text in said), said
    again = run(backend, REPORT, "0")
    logs = [c.handle.exec_run(["sh", "-c", "ls -la /run/mcrun; cat /run/mcrun/zygote-*.log"], user="0").output
            for c in containers]
    assert facts(again)["warm"] == "True", (again.stderr, logs)


# Bad requests to every zygote of the container, as root: one closed at once, one without
# descriptors, one that is not text.
BAD_REQUESTS = """
import glob, socket
for path in glob.glob("/run/mcrun/zygote-*[0-9a-f]"):
    for payload in (None, b"uid 1000\\narg x.py\\n", b"\\xff\\xfe"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        if payload is not None:
            s.sendall(payload)
            print(path, s.recv(100))
        s.close()
"""


def test_a_request_gone_wrong_leaves_the_zygote_serving(backend):
    parent = "import os; print(os.getppid())"
    before = run(backend, parent).stdout
    containers = [c for pool in backend._idle.values() for c in pool]
    said = [c.handle.exec_run(["python3", "-c", BAD_REQUESTS], user="0").output for c in containers]
    assert any(b"error ValueError" in text for text in said), said
    assert run(backend, parent).stdout == before  # the same zygote forked it


# A well-formed request, descriptors and all, for a step as root (uid 0).
ROOT_REQUEST = """
import array, glob, os, socket
null = os.open("/dev/null", os.O_RDWR)
request = b"uid 0\\nmem 1073741824\\ncpu_s 5\\nfsize 1048576\\nnproc 16\\ncwd /\\narg /dev/null\\n"
for path in glob.glob("/run/mcrun/zygote-*[0-9a-f]"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [null] * 3))])
    print(path, s.recv(100))
    s.close()
"""


def test_the_zygote_refuses_a_uid_below_the_candidate_range(backend):
    run(backend, "print(1)")  # a zygote exists
    containers = [c for pool in backend._idle.values() for c in pool]
    said = b"".join(c.handle.exec_run(["python3", "-c", ROOT_REQUEST], user="0").output for c in containers)
    assert b"zygote-" in said and b"pid" not in said, said
    assert b"error ValueError" in said, said


def test_each_warm_step_gets_its_own_random_state(backend):
    draws = {run(backend, "import random; print(random.random())").stdout for _ in range(3)}
    assert len(draws) == 3


def test_only_a_backend_with_the_zygote_asks_for_warm_steps():
    spec = RunSpec(steps=[Step(argv=["python3", "x.py"], warm="torch", limits=Limits(wall_time_s=1.0,
                                                                                   memory_bytes=MiB))])
    assert "warm torch" in write_plan(spec, warm=True).splitlines()
    assert not any(line.startswith("warm") for line in write_plan(spec).splitlines())
    with pytest.raises(ValueError):
        write_plan(RunSpec(steps=[Step(argv=["python3"], warm="a b")]), warm=True)
