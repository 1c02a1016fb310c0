"""README.md's Python example (the ```python block of its "## Python" section) runs as written,
with this Python, from another directory, and prints the sample swipes' words."""

import re
import subprocess
import sys

from conftest import ROOT


def readme_example():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Python\n", 1)
    assert len(section) == 2, "README.md has no '## Python' section"
    blocks = re.findall(r"```python\n(.*?)```", section[1].split("\n## ", 1)[0], re.S)
    assert len(blocks) == 1, "the README's Python section should hold one ```python example"
    return blocks[0]


def test_readme_example_runs(tmp_path):
    code = readme_example()
    assert len(code.strip().splitlines()) <= 5
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("hello -> help -11.80, hello -12.84")
    assert lines[1].startswith("world -> world -9.41")
