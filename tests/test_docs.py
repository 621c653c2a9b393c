"""The worked example in docs/architecture.md is the library's own code, line for line."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _code_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        code = re.sub(r"\s+#.*$", "", line).strip()
        if code and not code.startswith("#") and code != "...":
            lines.append(code)
    return lines


def test_the_two_optimizer_example_is_the_shipped_term():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"```python\n(@TERMS.register\(\"latent_adversary\"\).*?)```", doc, re.S)
    assert block is not None, "the worked example is missing from docs/architecture.md"
    source = _code_lines((ROOT / "src" / "vaekit" / "objectives" / "adversary.py").read_text())
    missing = [line for line in _code_lines(block.group(1)) if line not in source]
    assert missing == [], f"docs lines not in objectives/adversary.py: {missing}"
