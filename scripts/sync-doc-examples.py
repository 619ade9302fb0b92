#!/usr/bin/env python3
"""Copies each docs/examples file into the ```ts blocks of docs/*.md that start with `// file: <path>`.
test/extension-points.test.ts fails when a block and its file differ; run this after editing an example."""
import pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
for md in (root / 'docs').glob('*.md'):
    text = md.read_text()
    new = re.sub(
        r"```ts\n// file: (\S+)\n.*?```",
        lambda m: "```ts\n// file: " + m.group(1) + "\n" + (root / m.group(1)).read_text() + "```",
        text,
        flags=re.S,
    )
    if new != text:
        md.write_text(new)
        print(f"updated {md.relative_to(root)}")
