"""The municipal panel over the reform (notebook 05): period effects with municipality fixed
effects and few-cluster inference, group comparisons, and their figures."""
