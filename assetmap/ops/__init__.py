"""What running the service needs beyond its features: readiness checks for a load balancer,
and backups and restores of the whole database (issue 19)."""
