"""Records of 结对健康度 (health)."""
