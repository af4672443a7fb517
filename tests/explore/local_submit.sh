#!/bin/sh
# A stand-in for sbatch in the scheduler tests: starts the job script in the background, in a session
# of its own (so "kill -- -ID" cancels it with its children), and prints its id as sbatch does.
setsid sh "$1" > /dev/null 2>&1 < /dev/null &
echo "Submitted batch job $!"
