#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run the simulator of replicated channels (rumor-repl-sim) over many seeds: scripts/soak-sim.sh repl.
#
# Usage: scripts/soak-repl.sh [FIRST [COUNT [CHUNK]]] [-- SIM_OPTIONS]
# (BUILD, JOBS: as soak-sim.sh says.)
exec "$(dirname "${BASH_SOURCE[0]}")/soak-sim.sh" repl "$@"
