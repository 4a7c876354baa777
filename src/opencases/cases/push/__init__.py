"""Push: a case sent to its external system, and closed by pushing when so configured."""
