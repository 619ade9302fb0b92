#!/usr/bin/env bash
# Reproducible build of the committed WASM kernels from assembly/*.ts with the pinned AssemblyScript
# (a devDependency); flags live in scripts/asc-flags.txt, which the reproducibility test reads too.
# The output wasm/kernels.wasm is committed so users need no toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p wasm
# shellcheck disable=SC2046
npx asc assembly/index.ts --outFile wasm/kernels.wasm $(cat scripts/asc-flags.txt)
sha256sum wasm/kernels.wasm
