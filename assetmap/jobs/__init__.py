"""Process infrastructure: the scheduler that runs the background jobs of every domain."""
