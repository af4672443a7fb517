"""What the CLI check scripts share: running `pestle` and stopping at the first unexpected outcome."""
import subprocess
import sys


def pestle_runner(pestle):
    """run(*args, expect_ok=True): `pestle ARGS`; exits the check with the command's output when it
    failed and should not have, or succeeded and should have failed."""
    def run(*args, expect_ok=True):
        p = subprocess.run([pestle, *map(str, args)], capture_output=True, text=True)
        if expect_ok and p.returncode != 0:
            sys.exit(f"FAILED: pestle {' '.join(map(str, args))}\n{p.stdout}\n{p.stderr}")
        if not expect_ok and p.returncode == 0:
            sys.exit(f"FAILED: pestle {' '.join(map(str, args))} should have failed\n{p.stdout}")
        return p
    return run
