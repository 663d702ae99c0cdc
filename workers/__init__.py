"""The background worker's lease: a heartbeat per worker process, and recovery of the tasks of a worker
that died (killed, out of memory, its machine gone) while it ran them."""
