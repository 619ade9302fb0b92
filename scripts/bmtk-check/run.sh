#!/bin/bash
# Reads a neuroplast SONATA export with BMTK's own code (bmtk.utils.sonata, bmtk.simulator.pointnet up to NEST,
# with fake_nest recording the NEST calls) beside BMTK's point_450glifs example, and compares the two.
# A dev check, not a test: it needs a BMTK source tree (BMTK_SRC, the folder holding bmtk/) and Debian's
# python3-h5py, python3-pandas and python3-jsonschema. NEST is not needed.
#   node scripts/sonata-export-450.mjs /tmp/exp450 && BMTK_SRC=/path/to/bmtk scripts/bmtk-check/run.sh /tmp/exp450
set -e
HERE="$(cd "$(dirname "$0")" && pwd)"
EXPORT="${1:?usage: run.sh EXPORT_DIR [EXAMPLE_DIR]}"
EXAMPLE="${2:-$HERE/../../../shared/sonata/point_450glifs}"
: "${BMTK_SRC:?set BMTK_SRC to a BMTK source tree}"
PY=/usr/bin/python3
export BMTK_CHECK_OUT="${BMTK_CHECK_OUT:-/tmp/bmtk-check-out}"
export PYTHONPATH="$BMTK_SRC"
cd "$HERE"
$PY -W ignore check_sonata.py "$EXAMPLE" "$EXPORT"
PYTHONPATH="$BMTK_SRC:$HERE/fake_nest" $PY -W ignore check_pointnet.py "$EXAMPLE" "$EXPORT"
$PY -W ignore compare.py "$(basename "$EXAMPLE")" "$(basename "$EXPORT")"
$PY nest_sanity.py "$(basename "$EXPORT")" "$EXPORT"
