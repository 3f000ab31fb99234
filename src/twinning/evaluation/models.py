"""Records of 阶段评估 (evaluation)."""
