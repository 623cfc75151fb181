"""Paper trading: persistence (store), the cluster-wide order engine, the paper portfolio."""
