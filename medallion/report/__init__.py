"""What a run's results mean for a reader: per-area counts, framework roll-up, drift, the gate."""
