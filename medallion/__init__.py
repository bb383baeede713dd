"""The shared layer of medallion-compliance: estate spec, cloud clients, the cached observer,
the pytest plugin and the loopback emulator. Checks read through it; remediations write through it."""
