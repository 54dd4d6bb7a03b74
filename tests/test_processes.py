import subprocess
import sys
import textwrap

SCRIPT = """
import os
from talkinghead.processes import spawn_pool

print("script ran", flush=True)  # no `if __name__ == "__main__":` guard, as in many scripts
pool = spawn_pool(2)
print(pool.apply(os.getpid) != os.getpid())
pool.close()
pool.join()
"""


def test_workers_start_from_a_script_without_a_main_guard(tmp_path):
    script = tmp_path / "render_everything.py"
    script.write_text(textwrap.dedent(SCRIPT))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("script ran") == 1  # the workers did not run it again
    assert "True" in done.stdout
