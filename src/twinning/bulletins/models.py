"""Records of 工作简报 (bulletins)."""
