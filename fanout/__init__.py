"""Fan-out: the event store's DynamoDB stream is the outbox, published to one SNS topic."""
