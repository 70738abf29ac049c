#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run the Raft simulator (rumor-raft-sim) over many seeds: scripts/soak-sim.sh raft.
#
# Usage: scripts/soak-raft.sh [FIRST [COUNT [CHUNK]]] [-- SIM_OPTIONS]
# (BUILD, JOBS: as soak-sim.sh says.)
exec "$(dirname "${BASH_SOURCE[0]}")/soak-sim.sh" raft "$@"
