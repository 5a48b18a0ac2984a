"""One training job in a child process, with at most one fault, for test_fault_injection.py.

``python fault_child.py SPEC`` (SPEC is JSON): ``runner`` (``supervised`` or ``atari``),
``overrides`` (Hydra's, composed as the CLI would), ``run_dir`` and ``fault``, one of

- ``{"kill_after": N}``: SIGKILL N steps (Atari: frames) after where the run starts or resumes;
- ``{"kill_in_write": K}``: SIGKILL halfway through the K-th checkpoint file this process writes
  (half the bytes on the disk, then death: what a node that dies mid-write leaves);
- ``{"fsize_from": N, "fsize": B}``: from step N on, no file may grow past B bytes
  (``RLIMIT_FSIZE``: a disk that has filled up).

Prints ``RESUMED <progress>`` when the run resumed, and the run's end record as the last line.
"""

import io
import json
import os
import resource
import signal
import sys
from dataclasses import asdict

spec = json.loads(sys.argv[1])
fault = spec.get("fault") or {}

from grokrewarm.compose import compose_job  # noqa: E402
from grokrewarm.lifecycle import checkpoints  # noqa: E402


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


if "kill_in_write" in fault:
    writes = [0]
    real_write_file = checkpoints._write_file

    def write_file(path, write):
        writes[0] += 1
        if writes[0] != fault["kill_in_write"]:
            return real_write_file(path, write)
        buffer = io.BytesIO()
        write(buffer)
        data = buffer.getvalue()
        with open(path, "wb") as file:
            file.write(data[: len(data) // 2])
            file.flush()
            os.fsync(file.fileno())
        die()

    checkpoints._write_file = write_file


start: list[int] = []


def reached(progress: int) -> None:
    if not start:
        start.append(progress)
    if "kill_after" in fault and progress == start[0] + fault["kill_after"]:
        die()
    if fault.get("fsize_from") == progress:
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fault["fsize"], hard))


cfg = compose_job(spec["overrides"], spec["run_dir"])
if spec["runner"] == "supervised":
    import lightning as L

    from grokrewarm.training.run import train

    class Reached(L.Callback):
        def on_train_start(self, trainer, pl_module):
            if trainer.global_step:
                print(f"RESUMED {trainer.global_step}", flush=True)

        def on_train_batch_end(self, trainer, *args):
            reached(trainer.global_step)

    record = train(cfg, spec["run_dir"], callbacks=[Reached()])
else:
    from grokrewarm.domains.atari import train as atari

    act, load = atari.AtariRun.act, atari.AtariRun.load_checkpoint

    def hooked_act(self, obs):
        reached(self.frames)
        return act(self, obs)

    def hooked_load(self):
        resumed = load(self)
        if resumed:
            print(f"RESUMED {self.frames}", flush=True)
        return resumed

    atari.AtariRun.act, atari.AtariRun.load_checkpoint = hooked_act, hooked_load
    record = atari.train(cfg, spec["run_dir"])
print(json.dumps(asdict(record)), flush=True)
