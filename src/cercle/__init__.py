"""Cercle: an enterprise social network."""
