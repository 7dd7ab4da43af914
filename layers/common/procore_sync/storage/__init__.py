"""DynamoDB repositories, one per table."""
