"""The sync: dispatching jobs, running them, and writing what changed."""
