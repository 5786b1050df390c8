#!/bin/sh
# A stand-in local model for tests/command.rs: reads the prompt on stdin, thinks aloud inside
# <think> tags, then answers with the prompt's line count, as a model served without a
# reasoning parser would.
lines=$(wc -l | tr -d ' ')
printf '<think>the prompt has %s line(s)</think>\n' "$lines"
printf 'answer: %s\n' "$lines"
