"""Access policy: `policy` has visible/get_for/can/require/explain, `rules` the rules."""
