"""The read side: pure projectors, read models, the projector and the rebuild."""
