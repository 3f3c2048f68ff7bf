"""Gap analysis for community builders: where provision is missing, for whom, and when."""
