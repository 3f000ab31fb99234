"""Records of 督办 (supervision)."""
