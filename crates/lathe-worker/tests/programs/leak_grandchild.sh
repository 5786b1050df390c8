#!/bin/sh
# Start a grandchild that outlives this script, print its pid, and exit 0 at once.
# Used by tests/process.rs: the grandchild keeps stdout and stderr open (a drain that waits
# for their end would hang) and must not survive the run.
sleep 1000 &
echo "$!"
