"""`make bench`: figures printed as ratios against raw baselines measured in the same run."""
