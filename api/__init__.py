"""The REST API (one Lambda behind API Gateway): commands in, read models out."""
