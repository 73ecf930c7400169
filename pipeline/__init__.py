import os
import signal
import sys

__version__ = "0.1.0"

# Arrow's C++ code (the Parquet writer's buffers among it) allocates from the pool chosen
# when pyarrow is first imported, which `import apache_beam` does: set it before anything
# else. pyarrow's default, mimalloc, reserves 1 GiB and kept 30-55 MB more per writer group
# in a local worker; a user's own choice stands (docs/benchmarks.md, Memory).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


# Ctrl-C while the command imports its modules (0.1-0.3 s before `main` can handle it) printed
# the traceback of whatever import it hit, and a few libraries' bare `except:` swallowed it
# (the run then went on). When this process is the `ccprov` command, SIGINT is held back
# from here until `main` is ready, which then receives it as any other Ctrl-C
# (`release_ctrl_c`). Imported as a library, nothing changes.
CLI_MODULES = ("pipeline.cli", "pipeline.audit")


def _is_the_command() -> bool:
    argv = list(getattr(sys, "orig_argv", []))
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1] in CLI_MODULES
    return len(argv) > 1 and os.path.basename(argv[1]) == "ccprov"


_holding_ctrl_c = hasattr(signal, "pthread_sigmask") and _is_the_command()
if _holding_ctrl_c:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def release_ctrl_c() -> None:
    """From here on Ctrl-C interrupts; one that came during the imports arrives now."""
    global _holding_ctrl_c
    if _holding_ctrl_c:
        _holding_ctrl_c = False
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
