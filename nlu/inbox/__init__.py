"""Labelled inbox messages back into the training data: export, review, reload."""
