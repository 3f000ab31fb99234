"""Records of 工作台 (dashboards)."""
