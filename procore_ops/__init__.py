"""`procore-ops`: what an operator does to a user's Procore connection, on AWS or the local stack."""
