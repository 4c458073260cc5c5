"""The clerks' review app: queue, application view, corrections, release, audit."""
